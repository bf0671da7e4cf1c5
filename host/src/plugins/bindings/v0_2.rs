//! `wasmdesk:rules@0.2.0`: bindings generated from `wit/since_v0.2.0/`, its host imports, and
//! conversions to the host's domain types. One `evaluate` call per trigger, and the event holds
//! only what the trigger declared in its `inputs`. The body is shared with the versions that
//! extend this one (see `since_v0_2.rs`).

contract_since_v0_2! {
    path: "../wit/since_v0.2.0",
    export: "wasmdesk:rules/triggers@0.2.0",
    imports: ["wasmdesk:rules/host@0.2.0", "wasmdesk:rules/types@0.2.0"],
    added_actions: {
        size: {},
        convert: {},
    },
}
