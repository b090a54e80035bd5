//! The last resort: a Rust panic aborts the WebAssembly instance (`panic = "abort"`, and wasm32
//! has no unwinding). Core paths return errors instead; if one panics all the same, the hook
//! installed here marks the instance aborted (every later call fails with `RUNTIME_ABORTED`
//! instead of running on half-updated state) and tells the JavaScript listeners, before the
//! instance traps.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

use js_sys::Function;
use wasm_bindgen::JsValue;

use crate::js::error;

/// The code of every error after an abort.
pub(crate) const RUNTIME_ABORTED: &str = "RUNTIME_ABORTED";

static ABORTED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

thread_local! {
    static LISTENERS: RefCell<Vec<Function>> = const { RefCell::new(Vec::new()) };
}

/// True once a panic has aborted this instance.
pub(crate) fn aborted() -> bool {
    ABORTED.load(Ordering::Relaxed)
}

pub(crate) fn aborted_error() -> JsValue {
    error(
        RUNTIME_ABORTED,
        "the WebAssembly instance aborted (a Rust panic); create a new instance",
    )
}

/// Installs the panic hook (once per instance).
pub(crate) fn install() {
    INSTALL.call_once(|| {
        // Chained: a hook installed before (a test harness's, say) still reports the panic.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            ABORTED.store(true, Ordering::Relaxed);
            let message = JsValue::from_str(&info.to_string());
            // A listener registered from inside another listener is not called this time.
            let listeners =
                LISTENERS.with(|l| l.try_borrow().map(|l| l.clone()).unwrap_or_default());
            for listener in listeners {
                // Listeners must not call into the instance; a throwing one is skipped.
                let _ = listener.call1(&JsValue::UNDEFINED, &message);
            }
            previous(info);
        }));
    });
}

/// Adds a listener called with the panic message when the instance aborts.
pub(crate) fn listen(listener: Function) {
    install();
    LISTENERS.with(|l| {
        if let Ok(mut l) = l.try_borrow_mut() {
            l.push(listener);
        }
    });
}
