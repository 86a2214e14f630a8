//! The value of an outcome, in the Unit Cost Database's form (GMCA
//! Research, formerly New Economy, built for the Troubled Families Unit):
//! for each headline need's outcome, a fiscal, an economic and a social
//! value a year, each with its source and price year. The partnership
//! keeps its table as `unit-values.csv` beside its configuration; without
//! one the bundled form applies, which names every outcome and gives no
//! value: famgraph ships no figure it cannot cite, and an outcome without
//! a value is shown as not valued.

use famgraph_model::Need;

/// Whose value it is, as the Unit Cost Database divides them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    /// Savings to the public purse.
    Fiscal,
    /// Gains to the local economy (earnings, output).
    Economic,
    /// Gains to the people themselves (health, wellbeing).
    Social,
}

impl ValueType {
    pub const ALL: [ValueType; 3] = [ValueType::Fiscal, ValueType::Economic, ValueType::Social];

    pub fn code(self) -> &'static str {
        match self {
            ValueType::Fiscal => "fiscal",
            ValueType::Economic => "economic",
            ValueType::Social => "social",
        }
    }
}

/// One outcome's value of one type.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UnitValue {
    pub need: Need,
    /// The outcome valued, in the partnership's words.
    pub outcome: String,
    pub value_type: ValueType,
    /// Pounds; `None`: not valued.
    pub value_gbp: Option<f64>,
    /// What one value is for ("per family with the outcome achieved a year").
    pub unit: String,
    pub source: String,
    pub price_year: String,
}

/// The columns of `unit-values.csv`.
pub const COLUMNS: [&str; 7] = ["need", "outcome", "value_type", "value_gbp", "unit", "source", "price_year"];

/// The bundled form: every headline need's outcome, no value.
pub const BUNDLED: &str = include_str!("../defaults/unit-values.csv");

/// The bundled form, read.
pub fn bundled() -> Vec<UnitValue> {
    parse(BUNDLED, "the bundled unit-values.csv").expect("the bundled unit values read")
}

/// Reads `unit-values.csv` (`origin` names it in errors): every row, or
/// what is wrong and on which line. A need famgraph does not know, a
/// value type other than fiscal, economic or social, a value that is not
/// a non-negative number, a value without a source or price year, or one
/// need's value type given twice is an error: a value of outcomes on a
/// wrong unit value would go into a bid.
pub fn parse(text: &str, origin: &str) -> Result<Vec<UnitValue>, String> {
    let mut values: Vec<UnitValue> = Vec::new();
    for (line, fields) in crate::csv_rows(text, origin, COLUMNS)? {
        let field = |k: usize| fields[k].clone();
        let bad = |why: String| format!("{origin}, line {line}: {why}");
        let need = Need::parse(&field(0)).ok_or_else(|| {
            let codes: Vec<&str> = Need::ALL.iter().map(|n| n.code()).collect();
            bad(format!("`need` is {:?}, not one of {}", field(0), codes.join(", ")))
        })?;
        let value_type = ValueType::ALL
            .into_iter()
            .find(|t| t.code().eq_ignore_ascii_case(&field(2)))
            .ok_or_else(|| bad(format!("`value_type` is {:?}, not fiscal, economic or social", field(2))))?;
        let text = field(3).trim_start_matches('£').replace(',', "");
        let value_gbp = if text.is_empty() {
            None
        } else {
            let value: f64 =
                text.parse().map_err(|_| bad(format!("`value_gbp` is {:?}, not a number of pounds", field(3))))?;
            if !value.is_finite() || value < 0.0 {
                return Err(bad(format!("`value_gbp` is {:?}: a value is a number of pounds from 0", field(3))));
            }
            Some(value)
        };
        if value_gbp.is_some() && (field(5).is_empty() || field(6).is_empty()) {
            return Err(bad(format!(
                "{} {} has a value but no {}: a value must say where it comes from and its price year",
                need.code(),
                value_type.code(),
                if field(5).is_empty() { "source" } else { "price_year" }
            )));
        }
        if values.iter().any(|v| v.need == need && v.value_type == value_type) {
            return Err(bad(format!("{} {} is given twice", need.code(), value_type.code())));
        }
        values.push(UnitValue {
            need,
            outcome: field(1),
            value_type,
            value_gbp,
            unit: field(4),
            source: field(5),
            price_year: field(6),
        });
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_form_names_every_outcome_and_values_none() {
        let values = bundled();
        assert_eq!(values.len(), Need::ALL.len() * 3);
        for need in Need::ALL {
            for t in ValueType::ALL {
                assert!(values.iter().any(|v| v.need == *need && v.value_type == t), "{need} {t:?}");
            }
        }
        assert!(values.iter().all(|v| v.value_gbp.is_none()), "no value famgraph cannot cite");
    }

    #[test]
    fn reads_values_and_says_what_is_wrong_and_where() {
        let head = "need,outcome,value_type,value_gbp,unit,source,price_year\n";
        let ok = format!("{head}crime,Offending stopped,Fiscal,\"£1,250.50\",a year,Test source,2024\n");
        let values = parse(&ok, "unit-values.csv").unwrap();
        assert_eq!(
            (values[0].need, values[0].value_type, values[0].value_gbp),
            (Need::Crime, ValueType::Fiscal, Some(1250.5))
        );
        for (row, says) in [
            ("crimes,x,fiscal,1,a year,s,2024", "line 2: `need` is \"crimes\""),
            ("crime,x,moral,1,a year,s,2024", "`value_type` is \"moral\""),
            ("crime,x,fiscal,lots,a year,s,2024", "`value_gbp` is \"lots\""),
            ("crime,x,fiscal,-5,a year,s,2024", "from 0"),
            ("crime,x,fiscal,5,a year,,2024", "no source"),
            ("crime,x,fiscal,5,a year,s,", "no price_year"),
        ] {
            let err = parse(&format!("{head}{row}\n"), "unit-values.csv").unwrap_err();
            assert!(err.starts_with("unit-values.csv") && err.contains(says), "{row}: {err}");
        }
        let twice = format!("{head}crime,a,fiscal,1,y,s,2024\ncrime,b,fiscal,2,y,s,2024\n");
        assert!(parse(&twice, "u").unwrap_err().contains("line 3: crime fiscal is given twice"));
        assert!(parse("need,outcome\n", "u").unwrap_err().contains("no `value_type` column"));
    }
}
