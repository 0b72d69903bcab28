//! Compressed data files, chosen by file extension as Hadoop's `CompressionCodecFactory`
//! (and so Spark) chooses: `.gz`, `.bz2`, `.zst`, `.deflate` are decompressed whole by
//! one reader (never split by byte range); `.lz4` and `.snappy` are refused, because no
//! well-kept crate reads the block framing Hadoop writes for them, and reading their bytes
//! as text would give garbage rows. Also the compressions the file sink writes.

use sluice_core::{Result, SluiceError};
use std::io::{Read, Write};
use std::path::Path;

/// A compression codec of data files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Codec {
    /// gzip (`.gz`), concatenated members allowed.
    Gzip,
    /// bzip2 (`.bz2`), concatenated streams allowed.
    Bzip2,
    /// Zstandard (`.zst`).
    Zstd,
    /// zlib-wrapped deflate (`.deflate`), as Hadoop's `DefaultCodec`/`DeflateCodec` write it.
    Deflate,
}

impl Codec {
    /// The codec of a file name's extension; `None` for an uncompressed file. `.lz4` and
    /// `.snappy` are an error naming the file.
    pub fn of(path: &Path) -> Result<Option<Codec>> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        Ok(Some(match ext {
            "gz" => Codec::Gzip,
            "bz2" => Codec::Bzip2,
            "zst" => Codec::Zstd,
            "deflate" => Codec::Deflate,
            "lz4" | "snappy" => {
                return Err(SluiceError::io(
                    path,
                    std::io::Error::new(
                        std::io::ErrorKind::Unsupported,
                        format!(
                            "files compressed with {ext} (Hadoop's block framing) cannot be read; \
                             Sluice reads .gz, .bz2, .zst and .deflate files"
                        ),
                    ),
                ))
            }
            _ => return Ok(None),
        }))
    }

    /// True when a file name has a compression extension (known or refused): such a file is
    /// read whole by one reader.
    pub fn is_compressed(path: &Path) -> bool {
        matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("gz" | "bz2" | "zst" | "deflate" | "lz4" | "snappy")
        )
    }

    /// The file extension Hadoop gives this codec's files (without the dot).
    pub fn extension(self) -> &'static str {
        match self {
            Codec::Gzip => "gz",
            Codec::Bzip2 => "bz2",
            Codec::Zstd => "zst",
            Codec::Deflate => "deflate",
        }
    }

    /// The codec of the file sink's `compression` option (Spark's names and aliases for
    /// text formats, case-insensitive); `None` for no compression. Spark's `lz4` and
    /// `snappy` are refused: Sluice could not read those files back.
    pub fn parse_option(value: Option<&str>) -> Result<Option<Codec>> {
        let Some(v) = value else { return Ok(None) };
        match v.trim().to_ascii_lowercase().as_str() {
            "none" | "uncompressed" => Ok(None),
            "gzip" | "gz" => Ok(Some(Codec::Gzip)),
            "bzip2" | "bz2" => Ok(Some(Codec::Bzip2)),
            "zstd" | "zst" => Ok(Some(Codec::Zstd)),
            "deflate" => Ok(Some(Codec::Deflate)),
            "lz4" | "snappy" => Err(SluiceError::option(
                "compression",
                format!("'{v}' is not supported for json/csv output; use gzip, bzip2, zstd, deflate or none"),
            )),
            _ => Err(SluiceError::option(
                "compression",
                format!(
                    "Codec [{v}] is not available. Known codecs are bzip2, deflate, uncompressed, lz4, gzip, \
                     snappy, none, zstd."
                ),
            )),
        }
    }

    /// Decompresses a whole file; a corrupt or truncated stream is an error naming the file.
    pub fn read_file(self, path: &Path) -> Result<Vec<u8>> {
        let file = std::fs::File::open(path).map_err(|e| SluiceError::io(path, e))?;
        let input = std::io::BufReader::with_capacity(1 << 16, file);
        let mut out = Vec::new();
        let result = match self {
            Codec::Gzip => flate2::read::MultiGzDecoder::new(input).read_to_end(&mut out),
            Codec::Bzip2 => bzip2::read::MultiBzDecoder::new(input).read_to_end(&mut out),
            Codec::Zstd => {
                zstd::stream::read::Decoder::with_buffer(input).and_then(|mut d| d.read_to_end(&mut out))
            }
            Codec::Deflate => flate2::read::ZlibDecoder::new(input).read_to_end(&mut out),
        };
        result.map_err(|e| {
            SluiceError::io(
                path,
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("cannot decompress as {} ({}): {e}", self.name(), self.extension()),
                ),
            )
        })?;
        Ok(out)
    }

    /// Compresses `bytes` whole (the file sink's output).
    pub fn compress(self, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        let out = Vec::with_capacity(bytes.len() / 4 + 64);
        match self {
            Codec::Gzip => {
                let mut w = flate2::write::GzEncoder::new(out, flate2::Compression::default());
                w.write_all(bytes)?;
                w.finish()
            }
            Codec::Bzip2 => {
                let mut w = bzip2::write::BzEncoder::new(out, bzip2::Compression::default());
                w.write_all(bytes)?;
                w.finish()
            }
            Codec::Zstd => zstd::stream::encode_all(bytes, 3),
            Codec::Deflate => {
                let mut w = flate2::write::ZlibEncoder::new(out, flate2::Compression::default());
                w.write_all(bytes)?;
                w.finish()
            }
        }
    }

    /// Spark's name of the codec.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Gzip => "gzip",
            Codec::Bzip2 => "bzip2",
            Codec::Zstd => "zstd",
            Codec::Deflate => "deflate",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_codec_reads_back_what_it_wrote_and_names_a_corrupt_file() {
        let dir = tempfile::tempdir().unwrap();
        let text = b"{\"a\":1}\n{\"a\":2}\n".repeat(1000);
        for codec in [Codec::Gzip, Codec::Bzip2, Codec::Zstd, Codec::Deflate] {
            let path = dir.path().join(format!("f.json.{}", codec.extension()));
            // Two members/streams/frames back to back read as their concatenation.
            let mut bytes = codec.compress(&text).unwrap();
            bytes.extend(codec.compress(b"{\"a\":3}\n").unwrap());
            std::fs::write(&path, &bytes).unwrap();
            assert_eq!(Codec::of(&path).unwrap(), Some(codec));
            let mut want = text.clone();
            if codec != Codec::Deflate {
                want.extend_from_slice(b"{\"a\":3}\n");
            }
            assert_eq!(codec.read_file(&path).unwrap(), want, "{codec:?}");
            std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
            let err = codec.read_file(&path).unwrap_err().to_string();
            assert!(err.contains("f.json.") && err.contains("cannot decompress"), "{err}");
        }
        for refused in ["x.json.lz4", "x.csv.snappy"] {
            let err = Codec::of(Path::new(refused)).unwrap_err().to_string();
            assert!(err.contains(refused) && err.contains("cannot be read"), "{err}");
            assert!(Codec::is_compressed(Path::new(refused)));
        }
        assert_eq!(Codec::of(Path::new("a.json")).unwrap(), None);
        assert_eq!(Codec::parse_option(Some("GZIP")).unwrap(), Some(Codec::Gzip));
        assert_eq!(Codec::parse_option(Some("uncompressed")).unwrap(), None);
        assert!(Codec::parse_option(Some("lzo")).unwrap_err().to_string().contains("compression"));
    }
}
