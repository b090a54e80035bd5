//! Helpers shared by the acceptance tests in `tests/tests/`.
