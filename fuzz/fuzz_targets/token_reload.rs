//! Tokens files rewritten under a running server: arbitrary bytes pick
//! which of eight tokens stay, and add a tail of arbitrary text. Read
//! again, a file that parses accepts no token whose line is gone; one that
//! does not accepts none. A deleted line never keeps working.
#![no_main]

use famgraph_governance::TokenSource;
use libfuzzer_sys::fuzz_target;
use sha2::Digest as _;

const ROLES: [&str; 4] = ["coordinator", "partnership", "bid_writer", "admin"];

fuzz_target!(|data: &[u8]| {
    let Some((&keep, tail)) = data.split_first() else { return };
    let dir = std::env::temp_dir().join(format!("famgraph-fuzz-tokens-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let path = dir.join("tokens");
    let token = |i: usize| format!("fg_fuzz_token_{i}");
    let digest =
        |i: usize| -> String { sha2::Sha256::digest(token(i).as_bytes()).iter().map(|b| format!("{b:02x}")).collect() };
    let line = |i: usize| format!("t{i}\t{}\t{}\n", ROLES[i % 4], digest(i));
    let all: String = (0..8).map(line).collect();
    std::fs::write(&path, &all).expect("the tokens file written");
    let source = TokenSource::file(&path).expect("eight good lines read");
    let today = famgraph_governance::auth::today();
    assert!((0..8).all(|i| source.current().check(&token(i), today).is_ok()));

    let kept: Vec<usize> = (0..8).filter(|i| keep & (1 << i) != 0).collect();
    let mut text: String = kept.iter().map(|&i| line(i)).collect();
    let tail = String::from_utf8_lossy(tail);
    text.push_str(&tail);
    // A tail naming a token's digest puts that token back: still in the file.
    let named_again = |i: usize| tail.contains(&digest(i));
    std::fs::write(&path, &text).expect("the tokens file rewritten");
    let read = source.reread();
    for i in 0..8 {
        let accepted = source.current().check(&token(i), today).is_ok();
        if !kept.contains(&i) && !named_again(i) {
            assert!(!accepted, "a deleted token still works");
        } else if read.is_err() {
            assert!(!accepted, "a file that does not read accepts no token");
        }
    }
});
