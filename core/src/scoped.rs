//! Settings binding reads from its thread (the session zone, decimal precision loss, the
//! query's instant): each a thread-local `Cell` that [`with_value`] sets for one call and
//! puts back after it, even when the call panics.

use std::cell::Cell;
use std::thread::LocalKey;

/// Runs `f` with `key` holding `value`, then restores what it held before.
pub(crate) fn with_value<T: Copy + 'static, R>(
    key: &'static LocalKey<Cell<T>>,
    value: T,
    f: impl FnOnce() -> R,
) -> R {
    struct Restore<T: Copy + 'static>(&'static LocalKey<Cell<T>>, T);
    impl<T: Copy + 'static> Drop for Restore<T> {
        fn drop(&mut self) {
            self.0.with(|c| c.set(self.1));
        }
    }
    let _restore = Restore(key, key.with(|c| c.replace(value)));
    f()
}
