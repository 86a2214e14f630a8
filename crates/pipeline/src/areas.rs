//! The partnership's area denominators (`areas.csv` beside its
//! configuration): how many households and children each postcode district
//! holds, and where those figures come from, so the evidence can give
//! rates per 1,000 as well as counts.

/// One area's denominators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    /// A postcode district, as the evidence's areas are keyed ("ME4").
    pub area: String,
    pub households: Option<u64>,
    pub children: Option<u64>,
    /// Where the figures come from, e.g. "ONS Census 2021, TS003".
    pub source: String,
    /// The year they describe.
    pub year: String,
}

/// The columns of `areas.csv`; `households` or `children` may be empty
/// where the partnership has only the other.
pub const COLUMNS: [&str; 5] = ["area", "households", "children", "source", "year"];

/// Reads `areas.csv` (`origin` names it in errors): every row, or what is
/// wrong and on which line. An area given twice, a count that is not a
/// whole number or a row with neither count is an error: a rate on a wrong
/// denominator would go into a bid.
pub fn parse(text: &str, origin: &str) -> Result<Vec<Area>, String> {
    let mut areas: Vec<Area> = Vec::new();
    for (line, fields) in crate::csv_rows(text, origin, COLUMNS)? {
        let field = |k: usize| fields[k].clone();
        let count = |k: usize| -> Result<Option<u64>, String> {
            let text = field(k).replace(',', "");
            if text.is_empty() {
                return Ok(None);
            }
            text.parse()
                .map(Some)
                .map_err(|_| format!("{origin}, line {line}: `{}` is {:?}, not a whole number", COLUMNS[k], field(k)))
        };
        let area = field(0).to_uppercase();
        if area.is_empty() {
            return Err(format!("{origin}, line {line}: `area` is empty"));
        }
        let (households, children) = (count(1)?, count(2)?);
        if households.is_none() && children.is_none() {
            return Err(format!("{origin}, line {line}: {area} has neither households nor children"));
        }
        if households == Some(0) || children == Some(0) {
            return Err(format!("{origin}, line {line}: {area} has a count of 0, which no rate can be taken over"));
        }
        if areas.iter().any(|a| a.area == area) {
            return Err(format!("{origin}, line {line}: {area} is given twice"));
        }
        areas.push(Area { area, households, children, source: field(3), year: field(4) });
    }
    Ok(areas)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_denominators_and_says_what_is_wrong_and_where() {
        let text = "area,households,children,source,year\nme4,\"12,345\",6789,ONS Census 2021,2021\nCT1,,900,LA,2023\n";
        let areas = parse(text, "areas.csv").unwrap();
        assert_eq!(areas[0].area, "ME4");
        assert_eq!((areas[0].households, areas[0].children), (Some(12_345), Some(6_789)));
        assert_eq!((areas[1].households, areas[1].children), (None, Some(900)));
        assert_eq!(areas[1].source, "LA");

        let bad = |text: &str| parse(text, "areas.csv").unwrap_err();
        assert!(bad("area,households,children,source\n").contains("no `year` column"));
        assert_eq!(
            bad("area,households,children,source,year\nME4,many,1,s,2021\n"),
            "areas.csv, line 2: `households` is \"many\", not a whole number"
        );
        assert!(bad("area,households,children,source,year\nME4,,,s,2021\n").contains("line 2: ME4 has neither"));
        assert!(
            bad("area,households,children,source,year\nME4,1,1,s,y\nme4,2,2,s,y\n")
                .contains("line 3: ME4 is given twice")
        );
        assert!(bad("area,households,children,source,year\nME4,0,1,s,y\n").contains("a count of 0"));
    }
}
