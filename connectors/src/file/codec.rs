//! Compressed data files, chosen by file extension as Hadoop's `CompressionCodecFactory`
//! (and so Spark) chooses: `.gz`, `.bz2`, `.zst`, `.deflate`, and `.lz4` and `.snappy` in
//! Hadoop's block framing (`hadoop_block`, what Spark writes for those codecs), each
//! decompressed whole by one reader (never split by byte range). Also the compressions the
//! file sink writes, the same six.

use super::hadoop_block::BlockCodec;
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
    /// LZ4 blocks in Hadoop's block framing (`.lz4`, Hadoop's `Lz4Codec`).
    Lz4,
    /// Snappy blocks in Hadoop's block framing (`.snappy`, Hadoop's `SnappyCodec`).
    Snappy,
}

impl Codec {
    /// The codec of a file name's extension; `None` for an uncompressed file.
    pub fn of(path: &Path) -> Result<Option<Codec>> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        Ok(Some(match ext {
            "gz" => Codec::Gzip,
            "bz2" => Codec::Bzip2,
            "zst" => Codec::Zstd,
            "deflate" => Codec::Deflate,
            "lz4" => Codec::Lz4,
            "snappy" => Codec::Snappy,
            _ => return Ok(None),
        }))
    }

    /// True when a file name has a compression extension: such a file is read whole by one
    /// reader.
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
            Codec::Lz4 => "lz4",
            Codec::Snappy => "snappy",
        }
    }

    /// The codec of the file sink's `compression` option (Spark's names and aliases for
    /// text formats, case-insensitive); `None` for no compression.
    pub fn parse_option(value: Option<&str>) -> Result<Option<Codec>> {
        let Some(v) = value else { return Ok(None) };
        match v.trim().to_ascii_lowercase().as_str() {
            "none" | "uncompressed" => Ok(None),
            "gzip" | "gz" => Ok(Some(Codec::Gzip)),
            "bzip2" | "bz2" => Ok(Some(Codec::Bzip2)),
            "zstd" | "zst" => Ok(Some(Codec::Zstd)),
            "deflate" => Ok(Some(Codec::Deflate)),
            "lz4" => Ok(Some(Codec::Lz4)),
            "snappy" => Ok(Some(Codec::Snappy)),
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
            Codec::Lz4 | Codec::Snappy => {
                let mut bytes = Vec::new();
                let mut input = input;
                input.read_to_end(&mut bytes).and_then(|_| {
                    out = self.block_codec().decode(&bytes)?;
                    Ok(out.len())
                })
            }
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
            Codec::Lz4 | Codec::Snappy => self.block_codec().encode(bytes),
        }
    }

    fn block_codec(self) -> BlockCodec {
        match self {
            Codec::Lz4 => BlockCodec::Lz4,
            _ => BlockCodec::Snappy,
        }
    }

    /// Spark's name of the codec.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Gzip => "gzip",
            Codec::Bzip2 => "bzip2",
            Codec::Zstd => "zstd",
            Codec::Deflate => "deflate",
            Codec::Lz4 => "lz4",
            Codec::Snappy => "snappy",
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
        for codec in [Codec::Gzip, Codec::Bzip2, Codec::Zstd, Codec::Deflate, Codec::Lz4, Codec::Snappy] {
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
        assert_eq!(Codec::of(Path::new("x.csv.snappy")).unwrap(), Some(Codec::Snappy));
        assert!(Codec::is_compressed(Path::new("x.json.lz4")));
        assert_eq!(Codec::of(Path::new("a.json")).unwrap(), None);
        assert_eq!(Codec::parse_option(Some("GZIP")).unwrap(), Some(Codec::Gzip));
        assert_eq!(Codec::parse_option(Some("uncompressed")).unwrap(), None);
        assert!(Codec::parse_option(Some("lzo")).unwrap_err().to_string().contains("compression"));
    }
}
