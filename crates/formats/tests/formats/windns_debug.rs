//! The `windns-debug` format (Windows DNS Server debug log) on its fixtures.
