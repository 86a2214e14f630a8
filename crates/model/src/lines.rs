//! Where each record of a CSV file starts: the byte offset and the line a
//! text editor would show, so every reject can name its line even when a
//! quoted field holds line breaks.

/// The byte offset and text-editor line (header = 1) of every record after
/// the header, following RFC 4180 quoting, so a quoted field holding line
/// breaks still counts as one record. Blank lines between records are not
/// records, as DuckDB skips them too.
pub fn record_starts(bytes: &[u8]) -> Vec<(usize, u64)> {
    let mut pos = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let mut line = 1u64;
    let mut starts = Vec::new();
    let mut header = true;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        if !header && (rest.starts_with(b"\n") || rest.starts_with(b"\r\n")) {
            pos += if rest[0] == b'\n' { 1 } else { 2 };
            line += 1;
            continue;
        }
        if !header {
            starts.push((pos, line));
        }
        header = false;
        let mut in_quotes = false;
        while pos < bytes.len() {
            match bytes[pos] {
                b'"' => in_quotes = !in_quotes,
                b'\n' => {
                    line += 1;
                    if !in_quotes {
                        pos += 1;
                        break;
                    }
                }
                _ => {}
            }
            pos += 1;
        }
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_starts_follow_quotes_and_skip_blank_lines() {
        let text = b"\xEF\xBB\xBFa,b\n1,2\n\"x\ny\",3\n\n4,5\r\n\r\n6,7";
        let lines: Vec<u64> = record_starts(text).iter().map(|s| s.1).collect();
        assert_eq!(lines, [2, 3, 6, 8]);
        assert_eq!(record_starts(b"a,b\n"), []);
    }
}
