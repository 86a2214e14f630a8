//! `famgraph audit`: the audit trail reviewed (entries, each token's use, unusual access).

use super::prelude::*;

pub fn run(args: AuditArgs, ctx: &Context) -> anyhow::Result<()> {
    let AuditArgs { file, db, token, family, since, until, denied, by_token, unusual, verify_anchor, format } = args;
    let path = file.unwrap_or_else(|| default_audit_path(db.as_deref()));
    let (since, until) = (day_arg("--since", since)?, day_arg("--until", until)?);
    let review = famgraph_governance::audit::Review { token, family, since, until, denied_only: denied };
    let show = if unusual {
        audit_review::Show::Unusual
    } else if by_token {
        audit_review::Show::ByToken
    } else {
        audit_review::Show::Entries
    };
    audit_review::run(&path, &review, show, &ctx.watch, verify_anchor.as_ref(), format)
}
