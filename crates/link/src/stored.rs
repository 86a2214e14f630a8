//! A linkage as bytes, so a load can store what it linked and a server
//! opening that load can read it back instead of linking again. Compact
//! and exact: little-endian numbers, the fixed names (fields, levels, the
//! reasons an override was refused) as their place in one table, and a
//! header naming the format, so bytes written by another version are
//! refused rather than misread.

use famgraph_model::Date;

use crate::model::{ComparisonLevel, Field, FieldModel, MatchModel, NULL_LEVEL};
use crate::{Decision, FieldComparison, Link, Linkage, Override, TrainedModel};

/// The format's name and version: bumped with any change to what is
/// written or to the linkage's meaning.
const MAGIC: &[u8] = b"famgraph-linkage-3\n";

/// Every fixed name a linkage holds, so each is written as its place here.
fn names() -> Vec<&'static str> {
    let mut names = vec![NULL_LEVEL, crate::cluster::REFUSED_APART];
    for field in Field::ALL {
        names.push(field.name());
        names.extend(field.level_labels());
    }
    names
}

struct Writer {
    out: Vec<u8>,
    names: Vec<&'static str>,
}

impl Writer {
    fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: usize) {
        self.out.extend_from_slice(&(v as u64).to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    fn bool(&mut self, v: bool) {
        self.out.push(u8::from(v));
    }
    fn name(&mut self, name: &str) {
        let at = self.names.iter().position(|n| *n == name).expect("a linkage holds only names the table lists");
        self.out.extend_from_slice(&(at as u16).to_le_bytes());
    }
    fn decision(&mut self, d: Option<Decision>) {
        self.out.push(match d {
            None => 0,
            Some(Decision::MustLink) => 1,
            Some(Decision::CannotLink) => 2,
        });
    }
}

/// The linkage as bytes.
#[tracing::instrument(skip_all)]
pub fn encode(linkage: &Linkage) -> Vec<u8> {
    let mut w = Writer { out: MAGIC.to_vec(), names: names() };
    w.u64(linkage.person_of.len());
    for &p in &linkage.person_of {
        w.u32(p);
    }
    w.u64(linkage.n_people);
    w.u64(linkage.confidence.len());
    for &c in &linkage.confidence {
        w.f64(c);
    }
    w.u64(linkage.links.len());
    for link in &linkage.links {
        w.u32(link.a);
        w.u32(link.b);
        w.f64(link.weight);
        w.f64(link.probability);
        w.decision(link.decision);
        w.u64(link.fields.len());
        for f in &link.fields {
            w.name(f.field);
            w.name(f.level);
            w.f64(f.weight);
            w.f64(f.term_frequency_adjustment);
        }
    }
    w.u64(linkage.n_compared);
    let m = &linkage.model;
    w.u64(m.model.fields.len());
    for field in &m.model.fields {
        w.name(field.field.name());
        w.u64(field.levels.len());
        for level in &field.levels {
            w.name(level.label);
            w.f64(level.m);
            w.f64(level.u);
        }
    }
    w.f64(m.prior_log2_odds);
    w.bool(m.estimated);
    w.u64(m.u_sample_pairs);
    w.u64(m.em_iterations);
    w.bool(m.em_converged);
    w.bool(m.term_frequencies);
    w.bool(m.relatives);
    w.f64(m.match_probability);
    w.u64(m.placeholder_dates.len());
    for &(date, n) in &m.placeholder_dates {
        w.i32(date.days());
        w.u64(n);
    }
    w.u64(linkage.overrides_refused.len());
    for (o, why) in &linkage.overrides_refused {
        w.u32(o.a);
        w.u32(o.b);
        w.decision(Some(o.decision));
        w.name(why);
    }
    w.out
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    names: Vec<&'static str>,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self.at.checked_add(n).filter(|&end| end <= self.bytes.len()).ok_or("it ends too soon")?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    fn i32(&mut self) -> Result<i32, String> {
        Ok(i32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    fn u64(&mut self) -> Result<usize, String> {
        let v = u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes"));
        usize::try_from(v).map_err(|_| "a count too large".to_owned())
    }
    /// A count of items each at least `min` bytes long: no more than the
    /// bytes left could hold, so a corrupt count cannot ask for memory.
    fn count(&mut self, min: usize) -> Result<usize, String> {
        let n = self.u64()?;
        if n.saturating_mul(min) > self.bytes.len() - self.at {
            return Err(format!("a count of {n} that the bytes left cannot hold"));
        }
        Ok(n)
    }
    fn f64(&mut self) -> Result<f64, String> {
        Ok(f64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }
    fn bool(&mut self) -> Result<bool, String> {
        match self.take(1)?[0] {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(format!("a flag of {b}")),
        }
    }
    fn name(&mut self) -> Result<&'static str, String> {
        let at = u16::from_le_bytes(self.take(2)?.try_into().expect("2 bytes"));
        self.names.get(usize::from(at)).copied().ok_or_else(|| format!("name number {at}, which no table holds"))
    }
    fn decision(&mut self) -> Result<Option<Decision>, String> {
        match self.take(1)?[0] {
            0 => Ok(None),
            1 => Ok(Some(Decision::MustLink)),
            2 => Ok(Some(Decision::CannotLink)),
            b => Err(format!("a decision of {b}")),
        }
    }
}

/// The linkage `encode` wrote, or what is wrong with the bytes.
#[tracing::instrument(skip_all)]
pub fn decode(bytes: &[u8]) -> Result<Linkage, String> {
    let rest = bytes.strip_prefix(MAGIC).ok_or("not a linkage this version of famgraph wrote")?;
    let mut rd = Reader { bytes: rest, at: 0, names: names() };
    let n = rd.count(4)?;
    let person_of = (0..n).map(|_| rd.u32()).collect::<Result<Vec<_>, _>>()?;
    let n_people = rd.u64()?;
    let n = rd.count(8)?;
    let confidence = (0..n).map(|_| rd.f64()).collect::<Result<Vec<_>, _>>()?;
    let n = rd.count(33)?;
    let mut links = Vec::with_capacity(n);
    for _ in 0..n {
        let (from, to, weight, probability, decision) = (rd.u32()?, rd.u32()?, rd.f64()?, rd.f64()?, rd.decision()?);
        let k = rd.count(20)?;
        let mut fields = Vec::with_capacity(k);
        for _ in 0..k {
            let (field, level) = (rd.name()?, rd.name()?);
            fields.push(FieldComparison { field, level, weight: rd.f64()?, term_frequency_adjustment: rd.f64()? });
        }
        links.push(Link { a: from, b: to, weight, probability, fields, decision });
    }
    let n_compared = rd.u64()?;
    let n = rd.count(10)?;
    let mut model_fields = Vec::with_capacity(n);
    for _ in 0..n {
        let name = rd.name()?;
        let field = Field::ALL.into_iter().find(|f| f.name() == name).ok_or_else(|| format!("no field {name}"))?;
        let k = rd.count(18)?;
        let levels = (0..k)
            .map(|_| Ok(ComparisonLevel { label: rd.name()?, m: rd.f64()?, u: rd.f64()? }))
            .collect::<Result<Vec<_>, String>>()?;
        model_fields.push(FieldModel { field, levels });
    }
    let model = TrainedModel {
        model: MatchModel { fields: model_fields },
        prior_log2_odds: rd.f64()?,
        estimated: rd.bool()?,
        u_sample_pairs: rd.u64()?,
        em_iterations: rd.u64()?,
        em_converged: rd.bool()?,
        term_frequencies: rd.bool()?,
        relatives: rd.bool()?,
        match_probability: rd.f64()?,
        placeholder_dates: {
            let n = rd.count(12)?;
            (0..n).map(|_| Ok((Date::from_days(rd.i32()?), rd.u64()?))).collect::<Result<Vec<_>, String>>()?
        },
    };
    let n = rd.count(11)?;
    let mut overrides_refused = Vec::with_capacity(n);
    for _ in 0..n {
        let (from, to) = (rd.u32()?, rd.u32()?);
        let decision = rd.decision()?.ok_or("an override with no decision")?;
        overrides_refused.push((Override { a: from, b: to, decision }, rd.name()?));
    }
    if rd.at != rest.len() {
        return Err(format!("{} bytes after its end", rest.len() - rd.at));
    }
    // Every record's person must be one of the people.
    if person_of.iter().any(|&p| p as usize >= n_people) || confidence.len() != n_people {
        return Err("its people do not match its records".into());
    }
    Ok(Linkage { person_of, n_people, confidence, links, n_compared, model, overrides_refused })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linkage_reads_back_as_it_was_written_and_bad_bytes_are_refused() {
        let generated = famgraph_synth::generate(&famgraph_synth::SynthConfig {
            families: 60,
            seed: 4,
            ..famgraph_synth::SynthConfig::default()
        });
        let (bundle, _) =
            famgraph_model::validate_bundle(&famgraph_synth::tables_of(&generated.bundle)).expect("it validates");
        let records = &bundle.people;
        let mut overrides = vec![Override { a: 0, b: 1, decision: Decision::CannotLink }];
        overrides.push(Override { a: 0, b: 1, decision: Decision::MustLink });
        let relations = crate::relations_of(records, &bundle.relationships);
        let linkage = crate::link_with(records, &crate::LinkConfig::default(), &overrides, &relations);
        assert!(!linkage.links.is_empty() && !linkage.overrides_refused.is_empty());
        let bytes = encode(&linkage);
        assert_eq!(decode(&bytes).unwrap(), linkage);

        assert!(decode(b"something else").unwrap_err().contains("not a linkage"));
        assert!(decode(&bytes[..bytes.len() - 3]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).unwrap_err().contains("after its end"));
        // A count no file could hold asks for no memory.
        let mut huge = bytes;
        huge[MAGIC.len()..MAGIC.len() + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(decode(&huge).is_err());
    }
}
