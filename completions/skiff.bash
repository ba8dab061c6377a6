# bash completion for skiff (generated from skiff's command table by build.ts; do not edit)
_skiff() {
  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
  local gvflags='--root --runroot --runtime --storage-driver --log-level'
  local groups='buildx container generate healthcheck image manifest network system volume'
  local cmd="" i w skip=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}"
    if [[ -n "$skip" ]]; then skip=""; continue; fi
    if [[ "$w" == -* ]]; then [[ " $gvflags " == *" $w "* ]] && skip=1; continue; fi
    if [[ -z "$cmd" ]]; then cmd="$w"; [[ " $groups " == *" $w "* ]] || break
    else cmd="$cmd $w"; break; fi
  done
  case "$prev" in
    --storage-driver) COMPREPLY=($(compgen -W 'overlay vfs' -- "$cur")); return ;;
    --log-level) COMPREPLY=($(compgen -W 'trace debug info warn warning error fatal panic' -- "$cur")); return ;;
    --root|--runroot) COMPREPLY=($(compgen -d -- "$cur")); return ;;
  esac
  if [[ -z "$cmd" ]]; then
    if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W '--root --runroot --runtime --storage-driver --log-level --noout --help -h --version -v' -- "$cur"))
    else COMPREPLY=($(compgen -W 'attach auto-update build buildx commit completion container cp create diff events exec export generate healthcheck help history image images import info inspect kill load login logout logs manifest mount network pause port ps pull push rename restart rm rmi run save start stats stop system tag top umount unmount unpause unshare untag version volume wait' -- "$cur")); fi
    return
  fi
  case "$cmd" in
    'buildx') COMPREPLY=($(compgen -W 'build' -- "$cur")); return ;;
    'container') COMPREPLY=($(compgen -W 'attach commit cp create diff exec exists export inspect kill list logs ls mount pause port prune ps rename restart rm run start stats stop top umount unmount unpause wait' -- "$cur")); return ;;
    'generate') COMPREPLY=($(compgen -W 'systemd' -- "$cur")); return ;;
    'healthcheck') COMPREPLY=($(compgen -W 'run' -- "$cur")); return ;;
    'image') COMPREPLY=($(compgen -W 'build exists history import inspect list load ls mount prune pull push rm save tag umount unmount untag' -- "$cur")); return ;;
    'manifest') COMPREPLY=($(compgen -W 'add annotate create exists inspect push remove rm' -- "$cur")); return ;;
    'network') COMPREPLY=($(compgen -W 'connect create disconnect exists inspect list ls prune rm' -- "$cur")); return ;;
    'system') COMPREPLY=($(compgen -W 'df events info migrate prune reset' -- "$cur")); return ;;
    'volume') COMPREPLY=($(compgen -W 'create exists export import inspect list ls prune remove rm' -- "$cur")); return ;;
  esac
  local flags="" vflags=""
  case "$cmd" in
    'run'|'container run')
      vflags='--detach-keys --attach -a --name --env -e --env-file --volume -v --mount --tmpfs --workdir -w --user -u --group-add --hostuser --userns --tz --entrypoint --hostname -h --cap-add --cap-drop --security-opt --memory -m --cpus --cpu-shares -c --cpuset-cpus --cpuset-mems --memory-swap --memory-reservation --shm-size --pids-limit --ulimit --sysctl --device --health-cmd --health-interval --health-timeout --health-retries --health-start-period --health-start-interval --health-on-failure --health-startup-cmd --health-startup-interval --health-startup-timeout --health-startup-retries --health-startup-success --label -l --annotation --stop-signal --stop-timeout --restart --pull --platform --log-driver --log-opt --network --publish -p --network-alias --dns --dns-search --dns-option --add-host --cidfile --conmon-pidfile --root --runroot --runtime --storage-driver --log-level'
      flags='--detach -d --rm --detach-keys --attach -a --name --replace --env -e --env-host --env-file --volume -v --mount --tmpfs --workdir -w --user -u --group-add --hostuser --userns --tz --entrypoint --hostname -h --read-only --cap-add --cap-drop --privileged --security-opt --memory -m --cpus --cpu-shares -c --cpuset-cpus --cpuset-mems --memory-swap --memory-reservation --shm-size --pids-limit --ulimit --sysctl --device --init --health-cmd --health-interval --health-timeout --health-retries --health-start-period --health-start-interval --health-on-failure --no-healthcheck --health-startup-cmd --health-startup-interval --health-startup-timeout --health-startup-retries --health-startup-success --label -l --annotation --stop-signal --stop-timeout --restart --pull --platform --log-driver --log-opt --network --publish -p --publish-all -P --network-alias --dns --dns-search --dns-option --add-host --interactive -i --tty -t --cidfile --conmon-pidfile --quiet -q --tls-verify'
      case "$prev" in --health-on-failure) COMPREPLY=($(compgen -W 'none kill restart stop' -- "$cur")); return ;; --pull) COMPREPLY=($(compgen -W 'always missing never newer' -- "$cur")); return ;; --env-file) COMPREPLY=($(compgen -f -- "$cur")); return ;; --cidfile) COMPREPLY=($(compgen -f -- "$cur")); return ;; --conmon-pidfile) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
      ;;
    'create'|'container create')
      vflags='--name --env -e --env-file --volume -v --mount --tmpfs --workdir -w --user -u --group-add --hostuser --userns --tz --entrypoint --hostname -h --cap-add --cap-drop --security-opt --memory -m --cpus --cpu-shares -c --cpuset-cpus --cpuset-mems --memory-swap --memory-reservation --shm-size --pids-limit --ulimit --sysctl --device --health-cmd --health-interval --health-timeout --health-retries --health-start-period --health-start-interval --health-on-failure --health-startup-cmd --health-startup-interval --health-startup-timeout --health-startup-retries --health-startup-success --label -l --annotation --stop-signal --stop-timeout --restart --pull --platform --log-driver --log-opt --network --publish -p --network-alias --dns --dns-search --dns-option --add-host --cidfile --conmon-pidfile --root --runroot --runtime --storage-driver --log-level'
      flags='--name --replace --env -e --env-host --env-file --volume -v --mount --tmpfs --workdir -w --user -u --group-add --hostuser --userns --tz --entrypoint --hostname -h --read-only --cap-add --cap-drop --privileged --security-opt --memory -m --cpus --cpu-shares -c --cpuset-cpus --cpuset-mems --memory-swap --memory-reservation --shm-size --pids-limit --ulimit --sysctl --device --init --health-cmd --health-interval --health-timeout --health-retries --health-start-period --health-start-interval --health-on-failure --no-healthcheck --health-startup-cmd --health-startup-interval --health-startup-timeout --health-startup-retries --health-startup-success --label -l --annotation --stop-signal --stop-timeout --restart --pull --platform --log-driver --log-opt --network --publish -p --publish-all -P --network-alias --dns --dns-search --dns-option --add-host --interactive -i --tty -t --cidfile --conmon-pidfile --quiet -q --tls-verify'
      case "$prev" in --health-on-failure) COMPREPLY=($(compgen -W 'none kill restart stop' -- "$cur")); return ;; --pull) COMPREPLY=($(compgen -W 'always missing never newer' -- "$cur")); return ;; --env-file) COMPREPLY=($(compgen -f -- "$cur")); return ;; --cidfile) COMPREPLY=($(compgen -f -- "$cur")); return ;; --conmon-pidfile) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
      ;;
    'start'|'container start')
      vflags='--filter -f --root --runroot --runtime --storage-driver --log-level'
      flags='--attach -a --interactive -i --all --latest -l --filter -f'
      ;;
    'ps'|'container ls'|'container list'|'container ps')
      vflags='--last -n --filter -f --format --sort --root --runroot --runtime --storage-driver --log-level'
      flags='--all -a --quiet -q --latest -l --last -n --no-trunc --noheading --filter -f --format --size -s --sort --external --sync'
      case "$prev" in --sort) COMPREPLY=($(compgen -W 'command created id image names runningfor size status' -- "$cur")); return ;; esac
      ;;
    'logs'|'container logs')
      vflags='--tail --since --until --root --runroot --runtime --storage-driver --log-level'
      flags='--follow -f --tail --since --until --timestamps -t --names -n --latest -l'
      ;;
    'attach'|'container attach')
      vflags='--detach-keys --root --runroot --runtime --storage-driver --log-level'
      flags='--no-stdin --detach-keys --sig-proxy --latest -l'
      ;;
    'exec'|'container exec')
      vflags='--env -e --env-file --user -u --workdir -w --detach-keys --root --runroot --runtime --storage-driver --log-level'
      flags='--detach -d --interactive -i --tty -t --env -e --env-file --user -u --workdir -w --privileged --detach-keys --latest -l'
      case "$prev" in --env-file) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
      ;;
    'stop'|'container stop')
      vflags='--time -t --cidfile --root --runroot --runtime --storage-driver --log-level'
      flags='--all -a --time -t --ignore -i --latest -l --cidfile'
      case "$prev" in --cidfile) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
      ;;
    'kill'|'container kill')
      vflags='--signal -s --root --runroot --runtime --storage-driver --log-level'
      flags='--signal -s --all -a --latest -l'
      ;;
    'rm'|'container rm')
      vflags='--time -t --root --runroot --runtime --storage-driver --log-level'
      flags='--force -f --volumes -v --all -a --ignore -i --time -t --latest -l'
      ;;
    'wait'|'container wait')
      vflags='--condition --interval -i --root --runroot --runtime --storage-driver --log-level'
      flags='--condition --interval -i --ignore --latest -l'
      ;;
    'inspect'|'container inspect')
      vflags='--format -f --type -t --root --runroot --runtime --storage-driver --log-level'
      flags='--format -f --type -t --size -s --latest -l'
      case "$prev" in --type|-t) COMPREPLY=($(compgen -W 'all container image volume network' -- "$cur")); return ;; esac
      ;;
    'restart'|'container restart')
      vflags='--time -t --root --runroot --runtime --storage-driver --log-level'
      flags='--all -a --time -t --latest -l --running'
      ;;
    'pause'|'container pause')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags='--all -a --latest -l'
      ;;
    'unpause'|'container unpause')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags='--all -a --latest -l'
      ;;
    'top'|'container top')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags='--latest -l'
      ;;
    'port'|'container port')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags='--all -a --latest -l'
      ;;
    'rename'|'container rename')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags=''
      ;;
    'cp'|'container cp')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags='--archive -a --overwrite --pause'
      ;;
    'export'|'container export')
      vflags='--output -o --root --runroot --runtime --storage-driver --log-level'
      flags='--output -o'
      case "$prev" in --output|-o) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
      ;;
    'mount'|'container mount')
      vflags='--format --root --runroot --runtime --storage-driver --log-level'
      flags='--all -a --format --latest -l --no-trunc'
      ;;
    'umount'|'unmount'|'container umount'|'container unmount')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags='--all -a --force -f --latest -l'
      ;;
    'commit'|'container commit')
      vflags='--author -a --change -c --format -f --iidfile --message -m --root --runroot --runtime --storage-driver --log-level'
      flags='--author -a --change -c --format -f --iidfile --include-volumes --message -m --pause -p --quiet -q --squash -s'
      case "$prev" in --format|-f) COMPREPLY=($(compgen -W 'oci docker' -- "$cur")); return ;; --iidfile) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
      ;;
    'auto-update')
      vflags='--authfile --format --root --runroot --runtime --storage-driver --log-level'
      flags='--authfile --dry-run --rollback --format'
      case "$prev" in --authfile) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
      ;;
    'healthcheck run')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags='--ignore-result'
      ;;
    'diff'|'container diff')
      vflags='--format --root --runroot --runtime --storage-driver --log-level'
      flags='--format --latest -l'
      ;;
    'stats'|'container stats')
      vflags='--format --root --runroot --runtime --storage-driver --log-level'
      flags='--no-stream --all -a --format --no-reset --latest -l'
      ;;
    'container exists')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags=''
      ;;
    'container prune')
      vflags='--filter --root --runroot --runtime --storage-driver --log-level'
      flags='--force -f --filter'
      ;;
    'generate systemd')
      vflags='--restart-policy --time -t --root --runroot --runtime --storage-driver --log-level'
      flags='--name -n --restart-policy --time -t --new --files -f'
      ;;
    'build'|'image build'|'buildx build')
      vflags='--tag -t --file -f --build-arg --build-arg-file --target --pull --network --add-host --dns --dns-search --dns-option --label --annotation --format --iidfile --manifest --timestamp --source-date-epoch --secret --ignorefile --volume -v --cap-add --cap-drop --ulimit --security-opt --platform --root --runroot --runtime --storage-driver --log-level'
      flags='--tag -t --file -f --build-arg --build-arg-file --target --no-cache --layers --pull --network --add-host --dns --dns-search --dns-option --label --annotation --format --squash --squash-all --iidfile --manifest --quiet -q --timestamp --source-date-epoch --secret --ignorefile --volume -v --cap-add --cap-drop --ulimit --security-opt --platform --rm --force-rm'
      case "$prev" in --pull) COMPREPLY=($(compgen -W 'always missing never newer true false' -- "$cur")); return ;; --format) COMPREPLY=($(compgen -W 'oci docker' -- "$cur")); return ;; --file|-f) COMPREPLY=($(compgen -f -- "$cur")); return ;; --build-arg-file) COMPREPLY=($(compgen -f -- "$cur")); return ;; --iidfile) COMPREPLY=($(compgen -f -- "$cur")); return ;; --ignorefile) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
      ;;
    'pull'|'image pull')
      vflags='--platform --arch --os --variant --cert-dir --creds --creds-file --authfile --max-parallel --retry --root --runroot --runtime --storage-driver --log-level'
      flags='--platform --arch --os --variant --tls-verify --cert-dir --creds --creds-file --authfile --max-parallel --retry --quiet -q'
      case "$prev" in --cert-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;; --creds-file) COMPREPLY=($(compgen -f -- "$cur")); return ;; --authfile) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
      ;;
    'push'|'image push')
      vflags='--cert-dir --creds --creds-file --authfile --format -f --compression-format --digestfile --retry --sign-by --root --runroot --runtime --storage-driver --log-level'
      flags='--tls-verify --cert-dir --creds --creds-file --authfile --format -f --compression-format --force-compression --digestfile --retry --remove-signatures --sign-by --quiet -q'
      case "$prev" in --format|-f) COMPREPLY=($(compgen -W 'oci v2s2 docker' -- "$cur")); return ;; --compression-format) COMPREPLY=($(compgen -W 'gzip zstd zstd:chunked' -- "$cur")); return ;; --cert-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;; --creds-file) COMPREPLY=($(compgen -f -- "$cur")); return ;; --authfile) COMPREPLY=($(compgen -f -- "$cur")); return ;; --digestfile) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
      ;;
    'manifest create')
      vflags='--annotation --root --runroot --runtime --storage-driver --log-level'
      flags='--annotation --amend --all'
      ;;
    'manifest add')
      vflags='--arch --os --variant --annotation --root --runroot --runtime --storage-driver --log-level'
      flags='--arch --os --variant --annotation --all'
      ;;
    'manifest annotate')
      vflags='--arch --os --variant --annotation --root --runroot --runtime --storage-driver --log-level'
      flags='--arch --os --variant --annotation'
      ;;
    'manifest remove')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags=''
      ;;
    'manifest inspect')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags=''
      ;;
    'manifest exists')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags=''
      ;;
    'manifest rm')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags=''
      ;;
    'manifest push')
      vflags='--cert-dir --creds --creds-file --authfile --format -f --digestfile --root --runroot --runtime --storage-driver --log-level'
      flags='--tls-verify --cert-dir --creds --creds-file --authfile --all --format -f --digestfile --rm --quiet -q'
      case "$prev" in --format|-f) COMPREPLY=($(compgen -W 'oci v2s2 docker' -- "$cur")); return ;; --cert-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;; --creds-file) COMPREPLY=($(compgen -f -- "$cur")); return ;; --authfile) COMPREPLY=($(compgen -f -- "$cur")); return ;; --digestfile) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
      ;;
    'login')
      vflags='--username -u --password -p --authfile --cert-dir --root --runroot --runtime --storage-driver --log-level'
      flags='--username -u --password -p --password-stdin --authfile --tls-verify --cert-dir --get-login'
      case "$prev" in --authfile) COMPREPLY=($(compgen -f -- "$cur")); return ;; --cert-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;; esac
      ;;
    'logout')
      vflags='--authfile --root --runroot --runtime --storage-driver --log-level'
      flags='--authfile --all -a'
      case "$prev" in --authfile) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
      ;;
    'images'|'image ls'|'image list')
      vflags='--sort --filter -f --format --root --runroot --runtime --storage-driver --log-level'
      flags='--all -a --quiet -q --digests --no-trunc --noheading -n --sort --filter -f --format'
      case "$prev" in --sort) COMPREPLY=($(compgen -W 'created id repository size tag' -- "$cur")); return ;; esac
      ;;
    'image inspect')
      vflags='--format -f --root --runroot --runtime --storage-driver --log-level'
      flags='--format -f'
      ;;
    'history'|'image history')
      vflags='--format --root --runroot --runtime --storage-driver --log-level'
      flags='--human -H --no-trunc --quiet -q --format'
      ;;
    'tag'|'image tag')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags=''
      ;;
    'untag'|'image untag')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags=''
      ;;
    'rmi'|'image rm')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags='--force -f --all -a --ignore -i'
      ;;
    'image prune')
      vflags='--filter --root --runroot --runtime --storage-driver --log-level'
      flags='--all -a --force -f --filter'
      ;;
    'image exists')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags=''
      ;;
    'image mount')
      vflags='--format --root --runroot --runtime --storage-driver --log-level'
      flags='--format'
      ;;
    'image unmount'|'image umount')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags='--all -a --force -f'
      ;;
    'save'|'image save')
      vflags='--output -o --format --root --runroot --runtime --storage-driver --log-level'
      flags='--output -o --format --multi-image-archive -m --quiet -q'
      case "$prev" in --format) COMPREPLY=($(compgen -W 'docker-archive oci-archive' -- "$cur")); return ;; --output|-o) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
      ;;
    'load'|'image load')
      vflags='--input -i --root --runroot --runtime --storage-driver --log-level'
      flags='--input -i --quiet -q'
      case "$prev" in --input|-i) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
      ;;
    'import'|'image import')
      vflags='--change -c --message -m --arch --os --variant --root --runroot --runtime --storage-driver --log-level'
      flags='--change -c --message -m --arch --os --variant --quiet -q'
      ;;
    'volume create')
      vflags='--label -l --driver -d --opt -o --root --runroot --runtime --storage-driver --log-level'
      flags='--label -l --ignore --driver -d --opt -o'
      ;;
    'volume export')
      vflags='--output -o --root --runroot --runtime --storage-driver --log-level'
      flags='--output -o'
      case "$prev" in --output|-o) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
      ;;
    'volume import')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags=''
      ;;
    'volume ls'|'volume list')
      vflags='--filter -f --format --root --runroot --runtime --storage-driver --log-level'
      flags='--quiet -q --filter -f --format --noheading'
      ;;
    'volume inspect')
      vflags='--format -f --root --runroot --runtime --storage-driver --log-level'
      flags='--format -f --all -a'
      ;;
    'volume rm'|'volume remove')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags='--force -f --all -a'
      ;;
    'volume prune')
      vflags='--filter --root --runroot --runtime --storage-driver --log-level'
      flags='--force -f --filter'
      ;;
    'volume exists')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags=''
      ;;
    'network create')
      vflags='--subnet --gateway --label --root --runroot --runtime --storage-driver --log-level'
      flags='--subnet --gateway --internal --label --ignore'
      ;;
    'network ls'|'network list')
      vflags='--filter -f --format --root --runroot --runtime --storage-driver --log-level'
      flags='--quiet -q --filter -f --format --noheading'
      ;;
    'network inspect')
      vflags='--format -f --root --runroot --runtime --storage-driver --log-level'
      flags='--format -f'
      ;;
    'network rm')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags='--force -f'
      ;;
    'network prune')
      vflags='--filter --root --runroot --runtime --storage-driver --log-level'
      flags='--force -f --filter'
      ;;
    'network exists')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags=''
      ;;
    'network connect')
      vflags='--alias --root --runroot --runtime --storage-driver --log-level'
      flags='--alias'
      ;;
    'network disconnect')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags='--force -f'
      ;;
    'version')
      vflags='--format -f --root --runroot --runtime --storage-driver --log-level'
      flags='--format -f'
      ;;
    'info'|'system info')
      vflags='--format -f --root --runroot --runtime --storage-driver --log-level'
      flags='--format -f'
      ;;
    'events'|'system events')
      vflags='--since --until --filter -f --format --root --runroot --runtime --storage-driver --log-level'
      flags='--since --until --filter -f --format --stream'
      ;;
    'system df')
      vflags='--format --root --runroot --runtime --storage-driver --log-level'
      flags='--format'
      ;;
    'system prune')
      vflags='--filter --root --runroot --runtime --storage-driver --log-level'
      flags='--all -a --force -f --volumes --filter'
      ;;
    'system reset')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags='--force -f'
      ;;
    'unshare')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags=''
      ;;
    'system migrate')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags=''
      ;;
    'help')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags=''
      ;;
    'completion')
      vflags='--root --runroot --runtime --storage-driver --log-level'
      flags=''
      ;;
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$flags --root --runroot --runtime --storage-driver --log-level --noout --help -h --version -v" -- "$cur"))
  else COMPREPLY=($(compgen -f -- "$cur")); fi
}
complete -F _skiff skiff
