//! The owner's view of a session: the public fields plus the breakdowns,
//! returned only to the owning municipality's key (and admin).

use entity::session;
use poem_openapi::Object;

use super::wire::Session;
use crate::error::ApiError;

/// A session with its breakdowns, as stored (owner and admin only).
#[derive(Debug, Clone, Object)]
#[oai(rename = "SessionRecord")]
pub struct OwnSession {
    #[oai(flatten)]
    pub session: Session,
    /// Women among the enrolled.
    pub women: Option<i32>,
    /// Men among the enrolled.
    pub men: Option<i32>,
    /// Enrolled living in areas the municipality classes as socioeconomically vulnerable.
    pub vulnerable_area: Option<i32>,
    /// Participants who answered the satisfaction question.
    pub satisfaction_respondents: Option<i32>,
    /// Respondents who were satisfied.
    pub satisfied: Option<i32>,
}

impl TryFrom<session::Model> for OwnSession {
    type Error = ApiError;

    fn try_from(m: session::Model) -> Result<Self, ApiError> {
        let (women, men, vulnerable_area, satisfaction_respondents, satisfied) = (
            m.women,
            m.men,
            m.vulnerable_area,
            m.satisfaction_respondents,
            m.satisfied,
        );
        Ok(Self {
            session: Session::try_from(m)?,
            women,
            men,
            vulnerable_area,
            satisfaction_respondents,
            satisfied,
        })
    }
}

/// A PUT's answer as stored for idempotent replay.
#[derive(Debug, Clone, Object)]
pub struct WrittenSession {
    pub outcome: String,
    pub record: OwnSession,
}
