/**
 * Names of volumes, networks and containers are file names in the store: podman's pattern, and a
 * length that leaves room for the store's temporary prefixes in a 255-byte file name.
 */
export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
export const MAX_NAME_LENGTH = 200;

export function isValidName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && NAME_PATTERN.test(name);
}
