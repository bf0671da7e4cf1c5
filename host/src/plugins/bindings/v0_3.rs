//! `wasmdesk:rules@0.3.0`: 0.2.0 plus the `notify-agents` action. Bindings generated from
//! `wit/since_v0.3.0/`, with the body every version since 0.2.0 shares (see `since_v0_2.rs`).

contract_since_v0_2! {
    path: "../wit/since_v0.3.0",
    export: "wasmdesk:rules/triggers@0.3.0",
    imports: ["wasmdesk:rules/host@0.3.0", "wasmdesk:rules/types@0.3.0"],
    added_actions: {
        size: {
            wit::Action::NotifyAgents(notification) => {
                notification.group.as_ref().map_or(0, String::len)
                    + notification.agents.iter().map(String::len).sum::<usize>()
                    + notification.subject.len()
                    + notification.text.len()
            }
        },
        convert: {
            wit::Action::NotifyAgents(notification) => {
                domain::Action::NotifyAgents(domain::AgentNotification {
                    group: notification.group,
                    agents: notification.agents,
                    subject: notification.subject,
                    text: notification.text,
                })
            }
        },
    },
}
