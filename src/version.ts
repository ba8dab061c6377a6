/** skiff's own version; a unit test keeps it equal to package.json's. */
export const VERSION = "0.1.0";

/** Date of this version, printed in man pages (fixed so that builds are reproducible). */
export const RELEASE_DATE = "2026-11-25";

/** The OCI runtime-spec version of the config.json files skiff writes. */
export const OCI_RUNTIME_SPEC_VERSION = "1.3.0";

/** The OCI image-spec version skiff reads and writes. */
export const OCI_IMAGE_SPEC_VERSION = "1.1.1";
