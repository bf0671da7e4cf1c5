//! Ticket attributes with a fixed set of values.

use super::named_enum;

named_enum! {
    /// How urgent a ticket is.
    pub enum Priority ("priority") { Low => "low", Normal => "normal", High => "high", Urgent => "urgent" }
}

named_enum! {
    /// Where a ticket is in its lifecycle.
    pub enum Status ("status") {
        New => "new", Open => "open", Pending => "pending", Hold => "hold", Solved => "solved", Closed => "closed",
    }
}

named_enum! {
    /// What kind of request a ticket is.
    pub enum TicketType ("ticket type") {
        Question => "question", Incident => "incident", Problem => "problem", Task => "task",
    }
}

named_enum! {
    /// How a ticket reached the desk.
    pub enum Channel ("channel") {
        Email => "email", Web => "web", Api => "api", Portal => "portal", Voice => "voice", Chat => "chat",
    }
}
