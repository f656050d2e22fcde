// The package version, printed by `ntk-at --version` and exported as VERSION (a unit test keeps it
// equal to package.json's).

/** This package's version (semver). */
export const VERSION = '0.1.0';
