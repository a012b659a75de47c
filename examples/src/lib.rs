//! Examples live in `examples/`; run them with `cargo run -p postpilot-examples --example NAME`.
