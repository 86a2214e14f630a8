//! What a load stores beside its tables as bytes (the linkage, the graph
//! built from it), so opening the load reads them back instead of working
//! them out again: little-endian numbers, strings with their length, and
//! a header naming the format and its version, so bytes written by
//! another version are refused rather than misread.

/// Bytes being written, after their header.
pub struct Writer {
    out: Vec<u8>,
}

impl Writer {
    pub fn new(magic: &[u8]) -> Writer {
        Writer { out: magic.to_vec() }
    }
    pub fn u8(&mut self, v: u8) {
        self.out.push(v);
    }
    pub fn u16(&mut self, v: u16) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    pub fn i32(&mut self, v: i32) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    /// A count or an index, as 64 bits.
    pub fn u64(&mut self, v: usize) {
        self.out.extend_from_slice(&(v as u64).to_le_bytes());
    }
    pub fn f64(&mut self, v: f64) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    pub fn bool(&mut self, v: bool) {
        self.out.push(u8::from(v));
    }
    pub fn str(&mut self, v: &str) {
        self.u64(v.len());
        self.out.extend_from_slice(v.as_bytes());
    }
    /// An optional 64-bit number: a flag, then the number.
    pub fn opt_u64(&mut self, v: Option<u64>) {
        self.bool(v.is_some());
        self.out.extend_from_slice(&v.unwrap_or_default().to_le_bytes());
    }
    pub fn opt_str(&mut self, v: Option<&str>) {
        self.bool(v.is_some());
        self.str(v.unwrap_or_default());
    }
    /// What is written so far.
    pub fn bytes(&self) -> &[u8] {
        &self.out
    }
    /// Empties it, header and all, to write the next piece.
    pub fn clear(&mut self) {
        self.out.clear();
    }
    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }
}

/// Bytes being read back, after their header.
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    /// The bytes after `magic`, or why they are not `what` this version
    /// of famgraph wrote.
    pub fn new(bytes: &'a [u8], magic: &[u8], what: &str) -> Result<Reader<'a>, String> {
        let bytes = bytes.strip_prefix(magic).ok_or_else(|| format!("not {what} this version of famgraph wrote"))?;
        Ok(Reader { bytes, at: 0 })
    }
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&end| end <= self.bytes.len()).ok_or("it ends too soon")?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    pub fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    pub fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().expect("2 bytes")))
    }
    pub fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    pub fn i32(&mut self) -> Result<i32, String> {
        Ok(i32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    pub fn u64(&mut self) -> Result<usize, String> {
        let v = u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes"));
        usize::try_from(v).map_err(|_| "a count too large".to_owned())
    }
    /// A count of items each at least `min` bytes long: no more than the
    /// bytes left could hold, so a corrupt count cannot ask for memory.
    pub fn count(&mut self, min: usize) -> Result<usize, String> {
        let n = self.u64()?;
        if n.saturating_mul(min) > self.bytes.len() - self.at {
            return Err(format!("a count of {n} that the bytes left cannot hold"));
        }
        Ok(n)
    }
    pub fn f64(&mut self) -> Result<f64, String> {
        Ok(f64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }
    pub fn bool(&mut self) -> Result<bool, String> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(format!("a flag of {b}")),
        }
    }
    pub fn str(&mut self) -> Result<String, String> {
        let n = self.count(1)?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| "a string that is not UTF-8".to_owned())
    }
    /// What [`Writer::opt_str`] wrote.
    pub fn opt_str(&mut self) -> Result<Option<String>, String> {
        let some = self.bool()?;
        let text = self.str()?;
        Ok(some.then_some(text))
    }
    /// Every byte read, or how many are left over.
    pub fn finish(&self) -> Result<(), String> {
        match self.bytes.len() - self.at {
            0 => Ok(()),
            left => Err(format!("{left} bytes after its end")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_reads_back_and_bad_bytes_are_refused() {
        let mut w = Writer::new(b"test-1\n");
        w.u8(7);
        w.u16(65_000);
        w.u32(4_000_000_000);
        w.i32(-5);
        w.u64(1 << 40);
        w.f64(0.25);
        w.bool(true);
        w.str("Ōkonkwo-Bright");
        w.opt_str(Some("ME4 4QT"));
        w.opt_str(None);
        let bytes = w.into_bytes();
        let mut r = Reader::new(&bytes, b"test-1\n", "a test").unwrap();
        assert_eq!((r.u8(), r.u16(), r.u32(), r.i32()), (Ok(7), Ok(65_000), Ok(4_000_000_000), Ok(-5)));
        assert_eq!((r.u64(), r.f64(), r.bool()), (Ok(1 << 40), Ok(0.25), Ok(true)));
        assert_eq!(r.str().as_deref(), Ok("Ōkonkwo-Bright"));
        assert_eq!((r.opt_str(), r.opt_str()), (Ok(Some("ME4 4QT".to_owned())), Ok(None)));
        assert_eq!(r.finish(), Ok(()));
        assert_eq!(r.u8(), Err("it ends too soon".into()));
        assert!(Reader::new(&bytes, b"test-2\n", "a test").err().unwrap().contains("not a test"));
        let mut huge = Writer::new(b"");
        huge.u64(usize::MAX / 2);
        let huge = huge.into_bytes();
        assert!(Reader::new(&huge, b"", "").unwrap().str().is_err(), "a length no bytes hold asks for no memory");
    }
}
