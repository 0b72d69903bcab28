//! Partition directories, as Spark discovers them: a file under `root/col=value/...` has
//! `value` in the column `col` (`%XX` escapes undone; `__HIVE_DEFAULT_PARTITION__` is null).

use sluice_core::{DataType, Field, Schema};
use std::path::Path;

/// The directory name Spark writes for a null partition value.
pub const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// `(column, raw value)` of each `col=value` directory between `root` and `file`, outermost
/// first; the value is unescaped, and `None` for a null partition.
pub fn partition_values(root: &Path, file: &Path) -> Vec<(String, Option<String>)> {
    let Ok(relative) = file.strip_prefix(root) else { return Vec::new() };
    let dirs = relative.parent().map(|p| p.components().collect::<Vec<_>>()).unwrap_or_default();
    dirs.into_iter()
        .filter_map(|component| {
            let text = component.as_os_str().to_string_lossy();
            let (name, raw) = text.split_once('=')?;
            let value = (raw != NULL_PARTITION).then(|| unescape(raw));
            Some((unescape(name), value))
        })
        .collect()
}

/// The partition columns of `files` under `root`, in directory order, with the narrowest
/// type of Spark's partition type inference that holds every value (int, bigint, double,
/// date, else string); columns `data` already has are left out.
pub fn partition_schema<'a>(root: &Path, files: impl Iterator<Item = &'a Path>, data: &Schema) -> Vec<Field> {
    let mut columns: Vec<(String, Option<DataType>)> = Vec::new();
    for file in files {
        for (name, value) in partition_values(root, file) {
            if data.index_of(&name).is_some() {
                continue;
            }
            let at = match columns.iter().position(|(n, _)| n.eq_ignore_ascii_case(&name)) {
                Some(i) => i,
                None => {
                    columns.push((name, None));
                    columns.len() - 1
                }
            };
            if let Some(v) = value {
                let t = value_type(&v);
                let slot = &mut columns[at].1;
                *slot = Some(match slot.take() {
                    None => t,
                    Some(seen) => wider(seen, t),
                });
            }
        }
    }
    columns.into_iter().map(|(n, t)| Field::new(n, t.unwrap_or(DataType::String))).collect()
}

fn value_type(v: &str) -> DataType {
    if v.parse::<i32>().is_ok() {
        DataType::Int
    } else if v.parse::<i64>().is_ok() {
        DataType::Long
    } else if v.parse::<f64>().is_ok_and(f64::is_finite) {
        DataType::Double
    } else if sluice_core::time::parse_date(v).is_some() {
        DataType::Date
    } else {
        DataType::String
    }
}

fn wider(a: DataType, b: DataType) -> DataType {
    use DataType::*;
    match (a, b) {
        (a, b) if a == b => a,
        (Int, Long) | (Long, Int) => Long,
        (Int | Long | Double, Int | Long | Double) => Double,
        _ => String,
    }
}

/// Reverses the `%XX` escaping of partition directory names.
fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_columns_take_the_narrowest_type_holding_every_value() {
        let root = Path::new("/d");
        let files = [
            "/d/year=2024/gt=sit/a.json",
            "/d/year=2025/gt=a%2Fb/b.json",
            "/d/year=2026/gt=__HIVE_DEFAULT_PARTITION__/c.json",
        ];
        let paths: Vec<&Path> = files.iter().map(Path::new).collect();
        let data = Schema::default().with("x", DataType::Double);
        let fields = partition_schema(root, paths.iter().copied(), &data);
        assert_eq!(fields, vec![Field::new("year", DataType::Int), Field::new("gt", DataType::String)]);
        assert_eq!(
            partition_values(root, Path::new("/d/year=2025/gt=a%2Fb/b.json")),
            vec![("year".into(), Some("2025".into())), ("gt".into(), Some("a/b".into()))]
        );
        assert_eq!(partition_values(root, paths[2])[1], ("gt".into(), None));
        let mixed = ["/d/k=1/a", "/d/k=3000000000/b", "/d/d=2024-01-02/c", "/d/f=1.5/e", "/d/f=2/g"];
        let paths: Vec<&Path> = mixed.iter().map(Path::new).collect();
        let fields = partition_schema(root, paths.iter().copied(), &Schema::default());
        assert_eq!(
            fields,
            vec![
                Field::new("k", DataType::Long),
                Field::new("d", DataType::Date),
                Field::new("f", DataType::Double)
            ]
        );
        // A column the data already has is not added again.
        let with_gt = Schema::default().with("GT", DataType::String);
        assert_eq!(partition_schema(root, [Path::new("/d/gt=sit/a")].into_iter(), &with_gt), vec![]);
    }
}
