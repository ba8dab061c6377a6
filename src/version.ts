/** skiff's own version; a unit test keeps it equal to package.json's. */
export const VERSION = "0.1.0";

/** Date of this version, printed in man pages (fixed so that builds are reproducible). */
export const RELEASE_DATE = "2026-11-25";

/** The OCI runtime-spec version skiff's config.json files are checked against (its JSON schema). */
export const OCI_RUNTIME_SPEC_VERSION = "1.3.0";

/**
 * The ociVersion written into config.json: the oldest release with every field skiff uses (seccomp
 * errnoRet came with 1.0.2). Runtimes refuse versions newer than they know: crun 1.8 (Debian 12)
 * answers "unknown version specified" to 1.3.0, which runc ignores.
 */
export const BUNDLE_OCI_VERSION = "1.0.2";

/** The OCI image-spec version skiff reads and writes. */
export const OCI_IMAGE_SPEC_VERSION = "1.1.1";
