//! The demo's pictures: small PNGs drawn here and kept in the encrypted cache as
//! the previews of two demo attachments, so the demo's threads show images
//! without a network. (A third demo attachment is left uncached on purpose: it
//! shows what an image not available offline looks like.)

use crate::connector::FetchedMedia;
use crate::error::Result;
use crate::Workspace;

/// Preview URLs (as in `demo/demo.jsonl`) and the two colours of each picture.
const PICTURES: &[(&str, [u8; 3], [u8; 3])] = &[
    (
        "https://media.lumennotes.example/demo/firefox-login-small.png",
        [0x3b, 0x6f, 0xd8],
        [0x7c, 0x4d, 0xcc],
    ),
    (
        "https://media.lumennotes.example/demo/sync-graph-small.png",
        [0x1f, 0x7a, 0x5a],
        [0x2a, 0xa1, 0x98],
    ),
];

const WIDTH: u32 = 240;
const HEIGHT: u32 = 150;

/// Stores the demo's pictures in the media cache.
pub(super) fn cache(ws: &Workspace) -> Result<()> {
    for (url, from, to) in PICTURES {
        let image = FetchedMedia {
            content_type: "image/png".into(),
            bytes: png(*from, *to),
        };
        crate::media::store(ws, url, &image)?;
    }
    Ok(())
}

/// A left-to-right gradient with a light "window" and a few text-like bars.
fn png(from: [u8; 3], to: [u8; 3]) -> Vec<u8> {
    png_rgb(WIDTH, HEIGHT, |x, y| {
        let in_window = (24..WIDTH - 24).contains(&x) && (20..HEIGHT - 20).contains(&y);
        let bar = in_window && (40..WIDTH - 60).contains(&x) && (y - 20) % 18 >= 12;
        if bar {
            [0x9a, 0xa3, 0xb5]
        } else if in_window {
            [0xf5, 0xf6, 0xfa]
        } else {
            let t = x * 255 / (WIDTH - 1);
            let mix = |a: u8, b: u8| ((u32::from(a) * (255 - t) + u32::from(b) * t) / 255) as u8;
            [
                mix(from[0], to[0]),
                mix(from[1], to[1]),
                mix(from[2], to[2]),
            ]
        }
    })
}

/// An 8-bit RGB PNG of `width` × `height` whose pixel at (x, y) is
/// `pixel(x, y)`, uncompressed (stored deflate blocks: no encoder needed).
/// Tests use it to make real, decodable images.
pub fn png_rgb(width: u32, height: u32, mut pixel: impl FnMut(u32, u32) -> [u8; 3]) -> Vec<u8> {
    let mut raw = Vec::with_capacity(((width * 3 + 1) * height) as usize);
    for y in 0..height {
        raw.push(0); // no filter
        for x in 0..width {
            raw.extend_from_slice(&pixel(x, y));
        }
    }
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        // Each block is at most 65,535 bytes: it fits.
        let len = block.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());

    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    // PNG chunks are far below 4 GiB here.
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pictures_are_pngs_the_cache_accepts() {
        let bytes = png([0, 0, 0], [255, 255, 255]);
        let fetched = FetchedMedia {
            content_type: "image/png".into(),
            bytes,
        };
        assert_eq!(crate::media::check(&fetched), Ok("image/png"));
        assert_eq!(crc32(b"IEND"), 0xAE42_6082, "the CRC PNG files end with");
    }

    #[test]
    fn the_demo_shows_two_cached_previews_and_one_that_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let vault = crate::vault::MemoryVault::default();
        let ws = Workspace::open(dir.path(), &vault).unwrap();
        ws.load_demo(|_| {}).unwrap();
        let (cached, missing) = ws
            .store()
            .read(|c| -> Result<(i64, i64)> {
                Ok(c.query_row(
                    "SELECT count(m.id), count(*) - count(m.id) FROM attachments t
                     LEFT JOIN media m ON m.url = t.preview_url",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .unwrap();
        assert_eq!((cached, missing), (2, 1));
    }
}
