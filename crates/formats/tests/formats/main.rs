//! Integration tests of the input formats, one module per format family.

mod windows;
