//! Hadoop's block framing (`BlockCompressorStream` / `BlockDecompressorStream`), which
//! Spark's `lz4` and `snappy` text output uses: the data is cut into blocks, and each block
//! is written as its uncompressed length (4 bytes, big-endian) followed by one or more
//! chunks, each its compressed length (4 bytes, big-endian) and the compressed bytes (a raw
//! LZ4 block, or raw Snappy), until the block's length is reached. The codecs themselves
//! are `lz4_flex` and `snap`.

use std::io::{Error, ErrorKind, Result};

/// Uncompressed bytes per block when writing: Hadoop's default buffer for both codecs
/// (`io.compression.codec.{lz4,snappy}.buffersize` = 256 KiB) less its overhead reserve.
const BLOCK: usize = 256 * 1024 - 6 * 1024;

/// A raw block compressor of one of Hadoop's block codecs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BlockCodec {
    Lz4,
    Snappy,
}

impl BlockCodec {
    fn decompress_chunk(self, chunk: &[u8], at_most: usize) -> Result<Vec<u8>> {
        match self {
            BlockCodec::Lz4 => lz4_flex::block::decompress(chunk, at_most)
                .map_err(|e| Error::new(ErrorKind::InvalidData, e.to_string())),
            BlockCodec::Snappy => snap::raw::Decoder::new()
                .decompress_vec(chunk)
                .map_err(|e| Error::new(ErrorKind::InvalidData, e.to_string())),
        }
    }

    fn compress_chunk(self, block: &[u8]) -> Result<Vec<u8>> {
        match self {
            BlockCodec::Lz4 => Ok(lz4_flex::block::compress(block)),
            BlockCodec::Snappy => snap::raw::Encoder::new()
                .compress_vec(block)
                .map_err(|e| Error::new(ErrorKind::InvalidData, e.to_string())),
        }
    }

    /// Decodes a whole file's bytes; a truncated or corrupt file is an `InvalidData` error
    /// saying where.
    pub fn decode(self, bytes: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(bytes.len() * 3);
        let mut at = 0;
        let u32_at = |at: usize| -> Result<usize> {
            bytes.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize).ok_or_else(
                || Error::new(ErrorKind::InvalidData, format!("truncated block header at byte {at}")),
            )
        };
        while at < bytes.len() {
            let block_len = u32_at(at)?;
            at += 4;
            let mut left = block_len;
            while left > 0 {
                let chunk_len = u32_at(at)?;
                at += 4;
                let chunk = bytes.get(at..at + chunk_len).ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidData,
                        format!("truncated chunk of {chunk_len} bytes at byte {at}"),
                    )
                })?;
                at += chunk_len;
                let plain = self.decompress_chunk(chunk, left)?;
                if plain.is_empty() || plain.len() > left {
                    return Err(Error::new(
                        ErrorKind::InvalidData,
                        format!(
                            "a chunk at byte {} gives {} bytes of a block with {left} left",
                            at - chunk_len,
                            plain.len()
                        ),
                    ));
                }
                left -= plain.len();
                out.extend_from_slice(&plain);
            }
        }
        Ok(out)
    }

    /// Encodes `bytes` as Hadoop writes them: one chunk per block.
    pub fn encode(self, bytes: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(bytes.len() / 2 + 16);
        for block in bytes.chunks(BLOCK) {
            let chunk = self.compress_chunk(block)?;
            out.extend_from_slice(&(block.len() as u32).to_be_bytes());
            out.extend_from_slice(&(chunk.len() as u32).to_be_bytes());
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }
}
