//! Answers sized to what a page shows: `?fields=family_id,rank,score`
//! asks for those fields of each family and no others, so a shortlist
//! page of fifty families does not carry every reason's wording it never
//! shows. Without `fields` an answer carries everything.

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::error::ApiError;

/// A view whose fields can be asked for one by one.
pub(crate) trait Selectable: Serialize {
    /// Its fields, in the order an answer gives them.
    const FIELDS: &'static [&'static str];

    /// Writes the fields `wanted` holds (bit `i` for `FIELDS[i]`).
    fn serialize_fields<M: SerializeMap>(&self, wanted: u64, map: &mut M) -> Result<(), M::Error>;
}

/// Which fields an answer carries: every one, or those asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fields(Option<u64>);

impl Fields {
    pub(crate) const ALL: Fields = Fields(None);

    /// The `fields` parameter for a view of type `T`: a comma-separated
    /// list of its field names. An unknown name is a bad request that
    /// lists the names there are.
    pub(crate) fn parse<T: Selectable>(asked: Option<&str>) -> Result<Fields, ApiError> {
        let Some(asked) = asked.filter(|a| !a.trim().is_empty()) else { return Ok(Fields::ALL) };
        let mut wanted = 0_u64;
        for name in asked.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let Some(i) = T::FIELDS.iter().position(|f| *f == name) else {
                return Err(ApiError::BadRequest(format!(
                    "unknown field `{name}` in `fields`: use any of {}",
                    T::FIELDS.join(", ")
                )));
            };
            wanted |= 1 << i;
        }
        Ok(Fields(Some(wanted)))
    }
}

/// A view with only the fields asked for.
pub(crate) struct Selected<'a, T>(pub &'a T, pub Fields);

impl<T: Selectable> Serialize for Selected<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.1 {
            Fields(None) => self.0.serialize(serializer),
            Fields(Some(wanted)) => {
                let mut map = serializer.serialize_map(Some(wanted.count_ones() as usize))?;
                self.0.serialize_fields(wanted, &mut map)?;
                map.end()
            }
        }
    }
}

/// Makes a struct `Selectable` over the fields listed, in the order its
/// derived `Serialize` writes them (a test checks the two agree). A field
/// asked for is always written, `null` where it has no value.
macro_rules! selectable {
    ($view:ty { $($field:ident),+ $(,)? }) => {
        impl $crate::fields::Selectable for $view {
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),+];

            fn serialize_fields<M: serde::ser::SerializeMap>(&self, wanted: u64, map: &mut M) -> Result<(), M::Error> {
                let mut bit = 1_u64;
                $(
                    if wanted & bit != 0 {
                        map.serialize_entry(stringify!($field), &self.$field)?;
                    }
                    bit <<= 1;
                )+
                let _ = bit;
                Ok(())
            }
        }
    };
}
pub(crate) use selectable;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::{FamilyDetail, FamilySummary};

    /// The `fields` parameter's description in the `OpenAPI` document.
    fn documented(path: &str) -> String {
        let doc: serde_json::Value = serde_json::from_str(crate::router::OPENAPI).unwrap();
        let parameters = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        let fields = parameters.iter().find(|p| p["name"] == "fields").unwrap();
        fields["description"].as_str().unwrap().to_owned()
    }

    #[test]
    fn the_openapi_document_lists_every_field_in_order() {
        for (path, names) in
            [("/api/v1/families", FamilySummary::FIELDS), ("/api/v1/families/{family_id}", FamilyDetail::FIELDS)]
        {
            assert!(documented(path).contains(&format!(": {}.", names.join(", "))), "{path}: {}", documented(path));
        }
    }

    #[test]
    fn fields_are_parsed_by_name_and_unknown_ones_refused() {
        assert_eq!(Fields::parse::<FamilySummary>(None).unwrap(), Fields::ALL);
        assert_eq!(Fields::parse::<FamilySummary>(Some(" ")).unwrap(), Fields::ALL);
        assert_eq!(Fields::parse::<FamilySummary>(Some("rank, family_id,")).unwrap(), Fields(Some(0b11)));
        let ApiError::BadRequest(message) = Fields::parse::<FamilySummary>(Some("rank,surname")).unwrap_err() else {
            panic!("not a bad request")
        };
        assert!(message.contains("`surname`") && message.contains("family_id, rank, score"), "{message}");
    }
}
