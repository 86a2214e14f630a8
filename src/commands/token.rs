//! `famgraph token`: API tokens added to a tokens file.

use super::prelude::*;

pub fn run(args: TokenArgs) -> anyhow::Result<()> {
    let TokenArgs { command: TokenCommand::Add { name, role, tokens, expires_in_days, never_expires } } = args;
    let role = Role::parse(&role)
        .ok_or_else(|| BadInput(format!("unknown role `{role}`: use coordinator, partnership, bid_writer or admin")))?;
    let last_day = (!never_expires).then(|| famgraph_governance::auth::today().add_days(expires_in_days as i32 - 1));
    let token = Tokens::add(&tokens, &name, role, last_day)?;
    if let Some(last_day) = last_day {
        eprintln!("famgraph: token `{name}` ({}) works until {last_day} (UTC)", role.code());
    }
    say!("{token}");
    Ok(())
}
