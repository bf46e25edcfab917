//! Roles and what they allow, with Mastodon's permission bits so that admin tools written
//! for Mastodon read them unchanged.

use super::DomainError;

/// Mastodon's permission flags (`UserRole::FLAGS`), by bit.
pub mod permission {
    pub const ADMINISTRATOR: u64 = 1 << 0;
    pub const VIEW_DEVOPS: u64 = 1 << 1;
    pub const VIEW_AUDIT_LOG: u64 = 1 << 2;
    pub const VIEW_DASHBOARD: u64 = 1 << 3;
    pub const MANAGE_REPORTS: u64 = 1 << 4;
    pub const MANAGE_FEDERATION: u64 = 1 << 5;
    pub const MANAGE_SETTINGS: u64 = 1 << 6;
    pub const MANAGE_BLOCKS: u64 = 1 << 7;
    pub const MANAGE_TAXONOMIES: u64 = 1 << 8;
    pub const MANAGE_APPEALS: u64 = 1 << 9;
    pub const MANAGE_USERS: u64 = 1 << 10;
    pub const MANAGE_INVITES: u64 = 1 << 11;
    pub const MANAGE_RULES: u64 = 1 << 12;
    pub const MANAGE_ANNOUNCEMENTS: u64 = 1 << 13;
    pub const MANAGE_CUSTOM_EMOJIS: u64 = 1 << 14;
    pub const MANAGE_WEBHOOKS: u64 = 1 << 15;
    pub const INVITE_USERS: u64 = 1 << 16;
    pub const MANAGE_ROLES: u64 = 1 << 17;
    pub const MANAGE_USER_ACCESS: u64 = 1 << 18;
    pub const DELETE_USER_DATA: u64 = 1 << 19;
    pub const VIEW_FEEDS: u64 = 1 << 20;
    pub const INVITE_BYPASS_APPROVAL: u64 = 1 << 21;
}

use permission::*;

/// What an account may do on this server. Ordered: each role may act on the roles below
/// it, never on its own or higher ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    #[default]
    User,
    Moderator,
    Admin,
    Owner,
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 4] = [Role::User, Role::Moderator, Role::Admin, Role::Owner];

    /// The stored and displayed name.
    pub fn name(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    /// Reads a stored or typed name; an unknown stored value counts as `user`, so a row
    /// edited by hand can never grant more than intended.
    pub fn from_stored(name: &str) -> Role {
        Role::parse(name).unwrap_or_default()
    }

    /// Parses a name typed by an operator.
    pub fn parse(name: &str) -> Result<Role, DomainError> {
        Role::ALL
            .into_iter()
            .find(|r| r.name().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                DomainError::Invalid(format!(
                    "unknown role `{name}`: use owner, admin, moderator or user"
                ))
            })
    }

    /// Mastodon's id for the role (its seeded roles: everyone = -99, moderator = 1,
    /// admin = 2, owner = 3), so clients that key on ids see familiar ones.
    pub fn id(self) -> i64 {
        match self {
            Role::User => -99,
            Role::Moderator => 1,
            Role::Admin => 2,
            Role::Owner => 3,
        }
    }

    /// The permission bits, as Mastodon's default roles have them.
    pub fn permissions(self) -> u64 {
        match self {
            Role::User => INVITE_USERS,
            Role::Moderator => {
                INVITE_USERS
                    | VIEW_FEEDS
                    | VIEW_DASHBOARD
                    | VIEW_AUDIT_LOG
                    | MANAGE_USERS
                    | MANAGE_REPORTS
                    | MANAGE_TAXONOMIES
                    | INVITE_BYPASS_APPROVAL
            }
            Role::Admin => {
                Role::Moderator.permissions()
                    | MANAGE_FEDERATION
                    | MANAGE_SETTINGS
                    | MANAGE_BLOCKS
                    | MANAGE_APPEALS
                    | MANAGE_INVITES
                    | MANAGE_RULES
                    | MANAGE_ANNOUNCEMENTS
                    | MANAGE_CUSTOM_EMOJIS
                    | MANAGE_WEBHOOKS
                    | MANAGE_ROLES
                    | MANAGE_USER_ACCESS
                    | DELETE_USER_DATA
            }
            Role::Owner => ADMINISTRATOR | Role::Admin.permissions() | VIEW_DEVOPS,
        }
    }

    /// Whether the role holds `flag` (`ADMINISTRATOR` holds every flag, as on Mastodon).
    pub fn may(self, flag: u64) -> bool {
        let p = self.permissions();
        p & ADMINISTRATOR != 0 || p & flag == flag
    }

    /// The names of the roles that hold `flag` (who to notify, who counts as staff).
    pub fn holding(flag: u64) -> Vec<&'static str> {
        Role::ALL
            .into_iter()
            .filter(|r| r.may(flag))
            .map(Role::name)
            .collect()
    }

    /// Staff are shown as such on their profile and hear about sign-ups and reports.
    pub fn is_staff(self) -> bool {
        self >= Role::Moderator
    }

    /// Refuses unless the role holds `flag`.
    pub fn require(self, flag: u64) -> Result<(), DomainError> {
        if self.may(flag) {
            Ok(())
        } else {
            Err(DomainError::Forbidden(
                "This action is not allowed for your role".into(),
            ))
        }
    }
}

/// The role of an account row.
pub fn of(account: &crate::db::entities::accounts::Model) -> Role {
    Role::from_stored(&account.role)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_nest() {
        assert!(Role::Owner > Role::Admin && Role::Admin > Role::Moderator);
        for pair in Role::ALL.windows(2) {
            let (low, high) = (pair[0].permissions(), pair[1].permissions());
            assert_eq!(low & high, low, "{:?} ⊂ {:?}", pair[0], pair[1]);
        }
        assert!(Role::Owner.may(MANAGE_USERS | DELETE_USER_DATA));
        assert!(!Role::Moderator.may(MANAGE_FEDERATION));
        assert!(Role::Moderator.may(MANAGE_REPORTS));
        assert!(!Role::User.is_staff());
    }

    #[test]
    fn names_round_trip_and_unknown_is_user() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.name()).unwrap(), r);
        }
        assert_eq!(Role::parse(" Admin ").unwrap(), Role::Admin);
        assert!(Role::parse("root").is_err());
        assert_eq!(Role::from_stored("root"), Role::User);
    }
}
