//! CSV text built by hand into one `String` per file: RFC 4180 quoting,
//! `\n` line ends, and dates and numbers written without going through
//! `format!`, since a large bundle has millions of fields.

use famgraph_model::Date;

/// Appends one field, quoted only when it holds a comma, a quote or a line break.
pub(crate) fn field(out: &mut String, value: &str) {
    if value.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.push('"');
        for c in value.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// Appends a row of fields (no line end).
pub(crate) fn row(out: &mut String, values: &[&str]) {
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(out, value);
    }
}

/// A file's text from its header and its data lines.
pub(crate) fn join(header: &str, lines: &[String]) -> String {
    let mut text = String::with_capacity(header.len() + 1 + lines.iter().map(|l| l.len() + 1).sum::<usize>());
    text.push_str(header);
    text.push('\n');
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// Appends `value` in decimal, left-padded with zeros to `width` digits.
pub(crate) fn push_number(out: &mut String, value: u64, width: usize) {
    let mut digits = [0_u8; 20];
    let mut n = value;
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for _ in len..width {
        out.push('0');
    }
    for &d in digits[..len].iter().rev() {
        out.push(char::from(d));
    }
}

/// Appends an ISO date.
pub(crate) fn push_date(out: &mut String, date: Date) {
    let (year, month, day) = date.ymd();
    push_number(out, u64::try_from(year).unwrap_or(0), 4);
    out.push('-');
    push_number(out, u64::from(month), 2);
    out.push('-');
    push_number(out, u64::from(day), 2);
}

pub(crate) fn date_text(date: Date) -> String {
    let mut out = String::with_capacity(10);
    push_date(&mut out, date);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        let mut out = String::new();
        row(&mut out, &["Flat 3, 40 Canterbury Street", "O'Brien", "say \"hi\"", ""]);
        assert_eq!(out, "\"Flat 3, 40 Canterbury Street\",O'Brien,\"say \"\"hi\"\"\",");
    }

    #[test]
    fn dates_and_numbers() {
        let mut out = String::new();
        push_number(&mut out, 42, 7);
        out.push(' ');
        push_date(&mut out, Date::from_ymd(2024, 3, 1).expect("a real day"));
        assert_eq!(out, "0000042 2024-03-01");
    }
}
