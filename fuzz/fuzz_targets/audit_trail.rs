//! Arbitrary bytes as an audit trail and its sets file (split at the first
//! 0xFF byte): reading it never panics; a server opening it seals a torn
//! end; and a trail that read whole before still reads whole after the
//! server has added an entry to it, with that entry last.
#![no_main]

use famgraph_governance::audit::{self, AuditLog};
use famgraph_governance::{Caller, Role};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("famgraph-fuzz-audit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let path = dir.join("audit.jsonl");
    let (trail, sets) = match data.iter().position(|&b| b == 0xFF) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    std::fs::write(&path, trail).expect("the trail written");
    std::fs::write(audit::sets_path(&path), sets).expect("the sets written");
    let before = audit::scan(&path, |_, _| ());
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
    let caller = Caller { name: "fuzz".into(), role: Role::Coordinator };
    if let Ok(log) = AuditLog::open(&path) {
        let named = ((0..20).map(|n| format!("F{n:05}")).collect(), vec![]);
        let written = runtime.block_on(log.record(&caller, "/api/v1/families", true, named, "l1"));
        drop(log);
        if let (Ok(before), Ok(_)) = (&before, &written) {
            let mut last = None;
            let after = audit::scan(&path, |_, entry| last = Some(entry));
            let after = after.expect("a trail that read whole still reads whole after an entry is added");
            assert!(after.entries > before.entries);
            let last = last.expect("the entry added");
            assert_eq!((last.token.as_str(), last.family_ids.len()), ("fuzz", 20));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
});
