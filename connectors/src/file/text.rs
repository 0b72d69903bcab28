//! The bytes of a text data file as UTF-8 the parsers can trust: decoded from the file's
//! `encoding` (Spark's option, through `encoding_rs`) and checked, so a binary or wrongly
//! encoded file is an error naming the file rather than rows of garbage or nulls.

use sluice_core::{Options, Result, SluiceError};
use std::path::Path;

/// The character encoding of a source's text files (`encoding`, alias `charset`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 (the default): read by byte ranges, only checked.
    Utf8,
    /// Any other encoding: files are read whole and decoded to UTF-8.
    Other(&'static encoding_rs::Encoding),
    /// Java's `UTF-16`: a byte-order mark decides, big-endian without one.
    Utf16Bom,
    /// ISO-8859-1 proper: every byte is the code point of its value (WHATWG's label maps
    /// it to windows-1252, which differs from Java's at 0x80..0x9F).
    Latin1,
}

impl TextEncoding {
    /// The encoding named by the `encoding`/`charset` option (Java charset names such as
    /// `ISO-8859-1`, `UTF-16LE`, `windows-1252`); an unknown name is an option error.
    pub fn from_options(options: &Options) -> Result<TextEncoding> {
        let key = if options.contains("encoding") { "encoding" } else { "charset" };
        let Some(name) = options.get(key) else { return Ok(TextEncoding::Utf8) };
        let label = name.trim().to_ascii_lowercase();
        if label == "utf-16" || label == "utf16" {
            return Ok(TextEncoding::Utf16Bom);
        }
        if ["iso-8859-1", "iso8859-1", "iso8859_1", "iso_8859_1", "latin1", "l1", "iso-latin-1"]
            .contains(&label.as_str())
        {
            return Ok(TextEncoding::Latin1);
        }
        let label = match label.as_str() {
            "utf8" => "utf-8",
            "utf-16le" | "utf16le" => "utf-16le",
            "utf-16be" | "utf16be" => "utf-16be",
            "cp1252" => "windows-1252",
            other => other,
        };
        match encoding_rs::Encoding::for_label(label.as_bytes()) {
            Some(e) if e == encoding_rs::UTF_8 => Ok(TextEncoding::Utf8),
            Some(e) if e == encoding_rs::REPLACEMENT || e == encoding_rs::X_USER_DEFINED => {
                Err(SluiceError::option(key, format!("unsupported encoding '{name}'")))
            }
            Some(e) => Ok(TextEncoding::Other(e)),
            None => Err(SluiceError::option(key, format!("unsupported encoding '{name}'"))),
        }
    }

    /// True when files must be read whole (an encoding whose newlines are not the byte `\n`
    /// alone, or any non-UTF-8 one, is decoded from the file's start).
    pub fn whole_files(self) -> bool {
        self != TextEncoding::Utf8
    }

    fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Other(e) => e.name(),
            TextEncoding::Utf16Bom => "UTF-16",
            TextEncoding::Latin1 => "ISO-8859-1",
        }
    }

    /// The file's text as UTF-8: `bytes` (the whole file, or whole lines of it for UTF-8)
    /// decoded, then checked by [`check`](Self::check).
    pub fn decode(self, path: &Path, bytes: Vec<u8>) -> Result<Vec<u8>> {
        let encoding = match self {
            TextEncoding::Utf8 => {
                self.check(path, &bytes)?;
                return Ok(bytes);
            }
            TextEncoding::Latin1 => {
                let text = encoding_rs::mem::decode_latin1(&bytes).into_owned().into_bytes();
                self.check(path, &text)?;
                return Ok(text);
            }
            TextEncoding::Other(e) => e,
            TextEncoding::Utf16Bom => match encoding_rs::Encoding::for_bom(&bytes) {
                Some((e, _)) => e,
                None => encoding_rs::UTF_16BE,
            },
        };
        let (text, had_errors) = encoding.decode_with_bom_removal(&bytes);
        if had_errors {
            return Err(not_text(path, format!("bytes that are not valid {}", self.name())));
        }
        let text = text.into_owned().into_bytes();
        self.check(path, &text)?;
        Ok(text)
    }

    /// Checks that UTF-8 `text` is text: valid UTF-8 without NUL characters (which no text
    /// data file holds, and every binary file does).
    pub fn check(self, path: &Path, text: &[u8]) -> Result<()> {
        if let Some(at) = memchr::memchr(0, text) {
            return Err(not_text(path, format!("a NUL byte (at byte {at} of the decoded text)")));
        }
        if let Err(e) = std::str::from_utf8(text) {
            return Err(not_text(
                path,
                format!("invalid UTF-8 (at byte {} of the text read)", e.valid_up_to()),
            ));
        }
        Ok(())
    }
}

fn not_text(path: &Path, what: String) -> SluiceError {
    SluiceError::io(
        path,
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not a text file in the expected encoding: it has {what}; compressed files must end in \
                 .gz, .bz2, .zst or .deflate, another encoding needs option encoding, and \
                 ignoreCorruptFiles=true skips such files"
            ),
        ),
    )
}

/// True for an error that makes a file unreadable as a whole (Spark's corrupt file): any
/// I/O or decoding failure other than the file having gone missing.
pub fn is_corrupt_file(err: &SluiceError) -> bool {
    matches!(err, SluiceError::Io { source, .. } if source.kind() != std::io::ErrorKind::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(name: &str) -> TextEncoding {
        let o: Options = [("encoding", name)].into_iter().collect();
        TextEncoding::from_options(&o).unwrap()
    }

    #[test]
    fn encodings_decode_and_binary_is_refused() {
        let p = Path::new("/d/f.csv");
        assert_eq!(enc("utf-8"), TextEncoding::Utf8);
        assert_eq!(
            enc("ISO-8859-1").decode(p, b"caf\xe9\x80\n".to_vec()).unwrap(),
            "café\u{80}\n".as_bytes()
        );
        assert_eq!(enc("windows-1252").decode(p, b"\x80\n".to_vec()).unwrap(), "€\n".as_bytes());
        let utf16le: Vec<u8> = "a,é\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(enc("UTF-16LE").decode(p, utf16le.clone()).unwrap(), "a,é\n".as_bytes());
        let mut bom = vec![0xFF, 0xFE];
        bom.extend(&utf16le);
        assert_eq!(enc("UTF-16").decode(p, bom).unwrap(), "a,é\n".as_bytes());
        let be: Vec<u8> = "x\n".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(enc("utf-16").decode(p, be).unwrap(), b"x\n");
        for bad in [&b"PK\x03\x04\x00\x00"[..], b"ok\n\xff\xfe\n"] {
            let err = TextEncoding::Utf8.decode(p, bad.to_vec()).unwrap_err();
            assert!(is_corrupt_file(&err) && err.to_string().contains("/d/f.csv"), "{err}");
        }
        let o: Options = [("encoding", "klingon")].into_iter().collect();
        assert!(TextEncoding::from_options(&o).unwrap_err().to_string().contains("encoding"));
    }
}
