//! JSON rows decoded straight into one reused text buffer: the cells of a Log Analytics row
//! (`[…]`) or the keys and values of a row object (`{…}`), without building a `serde_json::Value`
//! per row. Strings are copied once (unescaped), numbers and booleans written as text, null kept
//! as null, nested arrays/objects kept as their compact JSON text.

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt::{self, Write};

/// The cells of one row. `values[i]` is `None` for JSON null; `keys` is empty for array rows.
#[derive(Default)]
pub struct Cells {
    text: String,
    keys: Vec<(usize, usize)>,
    values: Vec<Option<(usize, usize)>>,
}

impl Cells {
    pub fn len(&self) -> usize {
        self.values.len()
    }
    pub fn keys(&self) -> impl Iterator<Item = &str> + Clone {
        self.keys.iter().map(|&(a, b)| &self.text[a..b])
    }
    pub fn value(&self, i: usize) -> Option<&str> {
        self.values.get(i).copied().flatten().map(|(a, b)| &self.text[a..b])
    }

    /// Decodes `bytes`, an array (`object == false`) or an object of scalars and nested values.
    pub fn decode(&mut self, bytes: &[u8], object: bool) -> Result<(), serde_json::Error> {
        self.text.clear();
        self.keys.clear();
        self.values.clear();
        let mut de = serde_json::Deserializer::from_slice(bytes);
        if object {
            de.deserialize_map(RowVisitor(self))?;
        } else {
            de.deserialize_seq(RowVisitor(self))?;
        }
        de.end()
    }

    fn push_text(&mut self, f: impl FnOnce(&mut String)) -> (usize, usize) {
        let start = self.text.len();
        f(&mut self.text);
        (start, self.text.len())
    }
}

struct RowVisitor<'a>(&'a mut Cells);

impl<'de> Visitor<'de> for RowVisitor<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row (array or object)")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(CellSeed(self.0))?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(KeySeed(self.0))?.is_some() {
            map.next_value_seed(CellSeed(self.0))?;
        }
        Ok(())
    }
}

struct KeySeed<'a>(&'a mut Cells);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        let span = self.0.push_text(|t| t.push_str(v));
        self.0.keys.push(span);
        Ok(())
    }
}

struct CellSeed<'a>(&'a mut Cells);

impl<'de> DeserializeSeed<'de> for CellSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl CellSeed<'_> {
    fn put(self, f: impl FnOnce(&mut String)) {
        let span = self.0.push_text(f);
        self.0.values.push(Some(span));
    }
}

impl<'de> Visitor<'de> for CellSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.put(|t| t.push_str(v));
        Ok(())
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.put(|t| t.push_str(if v { "true" } else { "false" }));
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.put(|t| {
            let _ = write!(t, "{v}");
        });
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.put(|t| {
            let _ = write!(t, "{v}");
        });
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        // As serde_json writes it, so `1.5` stays `1.5`.
        let n = serde_json::Number::from_f64(v);
        self.put(|t| {
            let _ = match n {
                Some(n) => write!(t, "{n}"),
                None => write!(t, "{v}"),
            };
        });
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.0.values.push(None);
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        self.0.values.push(None);
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let v = serde_json::Value::deserialize(SeqAccessDeserializer::new(seq))?;
        self.put(|t| {
            let _ = write!(t, "{v}");
        });
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let v = serde_json::Value::deserialize(MapAccessDeserializer::new(map))?;
        self.put(|t| {
            let _ = write!(t, "{v}");
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_and_objects_of_every_kind_of_value() {
        let mut c = Cells::default();
        c.decode(br#"["a\"b", 252, -1, 1.5, true, null, [1, {"x": "y"}], {"k": null}]"#, false).unwrap();
        let got: Vec<Option<&str>> = (0..c.len()).map(|i| c.value(i)).collect();
        assert_eq!(
            got,
            [
                Some("a\"b"),
                Some("252"),
                Some("-1"),
                Some("1.5"),
                Some("true"),
                None,
                Some(r#"[1,{"x":"y"}]"#),
                Some(r#"{"k":null}"#)
            ]
        );
        c.decode(br#"{"Name": "x", "Q\u0054": 5}"#, true).unwrap();
        assert_eq!(c.keys().collect::<Vec<_>>(), ["Name", "QT"]);
        assert_eq!((c.value(0), c.value(1)), (Some("x"), Some("5")));
        assert!(c.decode(br#"{"a": 1} x"#, true).is_err());
        assert!(c.decode(b"[1, 2", false).is_err());
        assert!(c.decode(b"[1]", true).is_err());
    }
}
