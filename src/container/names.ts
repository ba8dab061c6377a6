/**
 * Generated container names, adjective_noun as podman's (about 25,000 of them, so a few hundred
 * containers rarely draw the same one twice; the store decides under its lock, and the caller
 * draws again until one is free). Pure but for the random draw.
 */
import { randomBelow } from "../util/crypto.js";

const ADJECTIVES = (
  "able agile airy amber ample ancient apt arctic ardent artful astute atomic august autumn avid azure " +
  "balmy bold bouncy brave breezy bright brisk broad bronze busy calm candid careful cheery chief civic " +
  "clever cobalt cosmic cozy crafty crisp curious daring dazzling deft devout dreamy dusky eager earnest " +
  "easy elated elegant epic exact fabled fair fancy fearless festive fiery firm fluent focused fond frank " +
  "free fresh frosty gallant gentle giddy gifted glad gleaming golden graceful grand happy hardy hearty " +
  "honest humble icy ideal jolly jovial joyful keen kind lively loyal lucid lucky lunar magic majestic " +
  "mellow merry mighty misty modest noble nimble nifty olive optimal patient peaceful plucky polished " +
  "polite proud quick quiet radiant rapid rustic serene sharp shiny silent silver sincere smart snowy " +
  "solar sonic spry steady stoic sturdy sunny swift tender tidy tranquil trusty upbeat valiant vivid " +
  "warm wise witty zealous zesty"
).split(" ");

const NOUNS = (
  "albatross alpaca anchor antelope aspen aurora avocet badger barracuda basin bay beacon bear beaver " +
  "beetle birch bison bittern bluff bobcat boulder brook buffalo bunting buzzard canyon capybara cardinal " +
  "caribou cedar cheetah chipmunk cicada cliff cobra comet condor coral cormorant cougar coyote crane " +
  "creek cricket crow curlew cypress delta dingo dolphin dormouse dove dragonfly drake dune eagle egret " +
  "elk elm ember falcon fennel fern ferret finch fir fjord flamingo fox frog gazelle gecko geyser gibbon " +
  "glacier gopher goshawk grebe grouse gull hare harbor harrier hawk hazel hedgehog heron hickory hippo " +
  "hornet horizon husky ibex ibis iguana impala jackal jaguar jay juniper kestrel kingfisher kite kiwi " +
  "koala lagoon lark laurel lemur leopard lichen linden lizard llama lobster loon lupin lynx magpie " +
  "mallard mamba manatee mantis maple marmot marten meadow meerkat merlin mesa mink mole moose moth " +
  "narwhal newt nightjar oak ocelot octopus orca oriole osprey otter owl oyster panda panther parrot " +
  "peak pelican penguin petrel pheasant pika pine plover puffin puma python quail quokka rabbit raccoon " +
  "ravine raven redwood reef ridge robin rook rowan salmon sandpiper sequoia seal shark shrew skylark " +
  "sloth snipe sparrow spruce squid starling stoat stork summit swallow swan swift tapir tern thrush " +
  "tiger toucan trout tundra turtle valley viper vole walrus warbler wasp weasel whale willow wolf " +
  "wombat wren yak zebra zebu"
).split(" ");

export const NAME_COUNT = ADJECTIVES.length * NOUNS.length;

export function generatedName(): string {
  return `${ADJECTIVES[randomBelow(ADJECTIVES.length)]}_${NOUNS[randomBelow(NOUNS.length)]}`;
}
