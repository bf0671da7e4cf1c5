//! User accounts.

use super::named_enum;

named_enum! {
    /// What a user account may do: customers are end users.
    pub enum UserRole ("user role") { EndUser => "end-user", Agent => "agent", Admin => "admin" }
}
