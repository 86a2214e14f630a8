//! A linkage as bytes, so a load can store what it linked and a server
//! opening that load can read it back instead of linking again. Compact
//! and exact: little-endian numbers, the fixed names (fields, levels, the
//! reasons an override was refused) as their place in one table, and a
//! header naming the format, so bytes written by another version are
//! refused rather than misread.

use famgraph_model::{Date, bytes};

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

/// The bytes with the linkage's fixed names as their place in `names()`.
struct Writer {
    out: bytes::Writer,
    names: Vec<&'static str>,
}

impl std::ops::Deref for Writer {
    type Target = bytes::Writer;
    fn deref(&self) -> &bytes::Writer {
        &self.out
    }
}

impl std::ops::DerefMut for Writer {
    fn deref_mut(&mut self) -> &mut bytes::Writer {
        &mut self.out
    }
}

impl Writer {
    fn name(&mut self, name: &str) {
        let at = self.names.iter().position(|n| *n == name).expect("a linkage holds only names the table lists");
        self.out.u16(at as u16);
    }
    fn decision(&mut self, d: Option<Decision>) {
        self.out.u8(match d {
            None => 0,
            Some(Decision::MustLink) => 1,
            Some(Decision::CannotLink) => 2,
        });
    }
}

/// The linkage as bytes.
#[tracing::instrument(skip_all)]
pub fn encode(linkage: &Linkage) -> Vec<u8> {
    let mut w = Writer { out: bytes::Writer::new(MAGIC), names: names() };
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
    w.out.into_bytes()
}

/// Bytes read back with the linkage's fixed names.
struct Reader<'a> {
    bytes: bytes::Reader<'a>,
    names: Vec<&'static str>,
}

impl<'a> std::ops::Deref for Reader<'a> {
    type Target = bytes::Reader<'a>;
    fn deref(&self) -> &bytes::Reader<'a> {
        &self.bytes
    }
}

impl<'a> std::ops::DerefMut for Reader<'a> {
    fn deref_mut(&mut self) -> &mut bytes::Reader<'a> {
        &mut self.bytes
    }
}

impl Reader<'_> {
    fn name(&mut self) -> Result<&'static str, String> {
        let at = self.bytes.u16()?;
        self.names.get(usize::from(at)).copied().ok_or_else(|| format!("name number {at}, which no table holds"))
    }
    fn decision(&mut self) -> Result<Option<Decision>, String> {
        match self.bytes.u8()? {
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
    let mut rd = Reader { bytes: bytes::Reader::new(bytes, MAGIC, "a linkage")?, names: names() };
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
    rd.finish()?;
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
        let (bundle, _) =
            famgraph_synth::validated(&famgraph_synth::SynthConfig { families: 60, seed: 4, ..Default::default() });
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
