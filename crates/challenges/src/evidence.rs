//! Evidence files: what they are (by their first bytes, never by what the
//! sender says), and images without their metadata.
//!
//! A photograph carries where and when it was taken, the camera's owner
//! and comments in its metadata: EXIF (with GPS), XMP and comments in a
//! JPEG's APP1–APP15 and COM segments, and in a PNG's `eXIf`, `tEXt`,
//! `zTXt` and `iTXt` chunks. [`strip_metadata`] rewrites the file without
//! any of them and keeps every byte of the picture itself. It is written by
//! hand over the two formats' framing, so no image library stands between
//! a survivor's photograph and the other party.

use std::fmt;

/// The largest evidence file accepted.
pub const EVIDENCE_MAX_BYTES: usize = 2 * 1024 * 1024;

/// The kinds of evidence file accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaType {
    /// A PDF document.
    Pdf,
    /// A JPEG image.
    Jpeg,
    /// A PNG image.
    Png,
}

impl MediaType {
    /// The media type's name, as sent in `Content-Type`.
    #[must_use]
    pub const fn mime(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
        }
    }

    /// The type named by a `Content-Type` value (parameters ignored).
    #[must_use]
    pub fn from_mime(mime: &str) -> Option<MediaType> {
        let bare = mime.split(';').next().unwrap_or("").trim();
        [MediaType::Pdf, MediaType::Jpeg, MediaType::Png]
            .into_iter()
            .find(|t| t.mime().eq_ignore_ascii_case(bare))
    }

    /// Whether it is an image (whose metadata can be stripped).
    #[must_use]
    pub const fn is_image(self) -> bool {
        !matches!(self, MediaType::Pdf)
    }
}

/// Why a file is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EvidenceError {
    /// Nothing was sent.
    Empty,
    /// Larger than [`EVIDENCE_MAX_BYTES`].
    TooLarge {
        /// Its size.
        bytes: usize,
    },
    /// Its first bytes are not those of a PDF, JPEG or PNG.
    UnknownKind,
    /// Its first bytes are of another kind than the one declared.
    NotWhatItSays {
        /// Declared.
        declared: MediaType,
        /// Found.
        found: MediaType,
    },
    /// The image's framing is broken, so it cannot be cleaned safely.
    Malformed(&'static str),
}

impl fmt::Display for EvidenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvidenceError::Empty => write!(f, "the file is empty"),
            EvidenceError::TooLarge { bytes } => write!(
                f,
                "the file is {bytes} bytes; the largest accepted is {EVIDENCE_MAX_BYTES} bytes (2 MB)"
            ),
            EvidenceError::UnknownKind => {
                write!(f, "the file must be a PDF, a JPEG or a PNG")
            }
            EvidenceError::NotWhatItSays { declared, found } => write!(
                f,
                "the file was sent as {} but is a {}",
                declared.mime(),
                found.mime()
            ),
            EvidenceError::Malformed(what) => write!(f, "the image cannot be read: {what}"),
        }
    }
}

/// What a file is, by its magic bytes.
#[must_use]
pub fn sniff(bytes: &[u8]) -> Option<MediaType> {
    if bytes.starts_with(b"%PDF-") {
        Some(MediaType::Pdf)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(MediaType::Jpeg)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        Some(MediaType::Png)
    } else {
        None
    }
}

/// Checks a file sent as `declared`: not empty, not too large, its magic
/// bytes of the declared kind, and an image's framing readable.
///
/// # Errors
/// Why the file is refused.
pub fn check(declared: MediaType, bytes: &[u8]) -> Result<MediaType, EvidenceError> {
    if bytes.is_empty() {
        return Err(EvidenceError::Empty);
    }
    if bytes.len() > EVIDENCE_MAX_BYTES {
        return Err(EvidenceError::TooLarge { bytes: bytes.len() });
    }
    let found = sniff(bytes).ok_or(EvidenceError::UnknownKind)?;
    if found != declared {
        return Err(EvidenceError::NotWhatItSays { declared, found });
    }
    if found.is_image() {
        strip_metadata(found, bytes)?;
    }
    Ok(found)
}

/// The image without its metadata (JPEG: every APPn segment but APP0 (JFIF),
/// and COM; PNG: `eXIf`, `tEXt`, `zTXt`, `iTXt`); a PDF is returned as it
/// is (the caller decides whether it may be passed on at all).
///
/// # Errors
/// The image's framing is broken.
pub fn strip_metadata(kind: MediaType, bytes: &[u8]) -> Result<Vec<u8>, EvidenceError> {
    match kind {
        MediaType::Pdf => Ok(bytes.to_vec()),
        MediaType::Jpeg => strip_jpeg(bytes),
        MediaType::Png => strip_png(bytes),
    }
}

fn strip_jpeg(bytes: &[u8]) -> Result<Vec<u8>, EvidenceError> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(EvidenceError::Malformed("no start of image"));
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut at = 2;
    loop {
        // Fill bytes (0xFF repeated) may precede a marker.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) else {
            return Err(EvidenceError::Malformed(
                "a segment does not start with a marker",
            ));
        };
        match marker {
            // End of image: nothing after it is kept.
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(out);
            }
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&[0xFF, marker]);
                at += 2;
                continue;
            }
            _ => {}
        }
        let length = match (bytes.get(at + 2), bytes.get(at + 3)) {
            (Some(&high), Some(&low)) => usize::from(u16::from_be_bytes([high, low])),
            _ => return Err(EvidenceError::Malformed("a segment's length is cut off")),
        };
        if length < 2 || at + 2 + length > bytes.len() {
            return Err(EvidenceError::Malformed("a segment runs past the end"));
        }
        let segment = &bytes[at..at + 2 + length];
        let metadata = matches!(marker, 0xE1..=0xEF | 0xFE);
        if !metadata {
            out.extend_from_slice(segment);
        }
        at += 2 + length;
        if marker == 0xDA {
            // Start of scan: the picture's coded data runs to the end of
            // image; markers inside it are restarts or stuffed bytes, and
            // any segment between scans is read by the loop again.
            let mut scan = at;
            loop {
                match (bytes.get(scan), bytes.get(scan + 1)) {
                    (Some(&0xFF), Some(&next)) if next == 0x00 || (0xD0..=0xD7).contains(&next) => {
                        scan += 2;
                    }
                    (Some(&0xFF), Some(&0xFF)) => scan += 1,
                    (Some(&0xFF), Some(_)) => break,
                    (Some(_), _) => scan += 1,
                    (None, _) => return Err(EvidenceError::Malformed("no end of image")),
                }
            }
            out.extend_from_slice(&bytes[at..scan]);
            at = scan;
        }
    }
}

const PNG_SIGNATURE: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

fn strip_png(bytes: &[u8]) -> Result<Vec<u8>, EvidenceError> {
    if !bytes.starts_with(PNG_SIGNATURE) {
        return Err(EvidenceError::Malformed("no PNG signature"));
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(PNG_SIGNATURE);
    let mut at = PNG_SIGNATURE.len();
    let mut first = true;
    loop {
        let Some(header) = bytes.get(at..at + 8) else {
            return Err(EvidenceError::Malformed("a chunk is cut off"));
        };
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let length =
            usize::try_from(length).map_err(|_| EvidenceError::Malformed("a chunk is too long"))?;
        let kind = &header[4..8];
        let end = at
            .checked_add(12)
            .and_then(|e| e.checked_add(length))
            .filter(|e| *e <= bytes.len())
            .ok_or(EvidenceError::Malformed("a chunk runs past the end"))?;
        if first && kind != b"IHDR" {
            return Err(EvidenceError::Malformed("the first chunk is not IHDR"));
        }
        first = false;
        if !matches!(kind, b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt") {
            out.extend_from_slice(&bytes[at..end]);
        }
        at = end;
        if kind == b"IEND" {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny JPEG: SOI, APP0 (JFIF), APP1 (Exif holding a postcode), COM,
    /// a quantisation table, SOS with two coded bytes, EOI.
    fn jpeg_with(secret: &[u8]) -> Vec<u8> {
        let mut jpeg = vec![0xFF, 0xD8];
        jpeg.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
        jpeg.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        let mut exif = b"Exif\0\0".to_vec();
        exif.extend_from_slice(secret);
        segment(&mut jpeg, 0xE1, &exif);
        segment(&mut jpeg, 0xFE, secret);
        segment(&mut jpeg, 0xDB, &[0u8; 65]);
        segment(&mut jpeg, 0xDA, &[1, 1, 0, 0, 63, 0]);
        jpeg.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        jpeg.extend_from_slice(&[0xFF, 0xD9]);
        jpeg
    }

    fn segment(out: &mut Vec<u8>, marker: u8, data: &[u8]) {
        out.extend_from_slice(&[0xFF, marker]);
        out.extend_from_slice(&u16::try_from(data.len() + 2).unwrap().to_be_bytes());
        out.extend_from_slice(data);
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_jpeg_loses_its_exif_and_comments_and_keeps_its_picture() {
        let jpeg = jpeg_with(b"GPS 51.5 -0.1 SW1A 2AA");
        assert_eq!(check(MediaType::Jpeg, &jpeg), Ok(MediaType::Jpeg));
        let clean = strip_metadata(MediaType::Jpeg, &jpeg).unwrap();
        assert!(contains(&jpeg, b"SW1A 2AA"));
        assert!(!contains(&clean, b"SW1A 2AA"));
        assert!(!contains(&clean, b"Exif"));
        assert!(contains(&clean, b"JFIF"), "APP0 is kept");
        // The coded picture, with its stuffed byte and restart, is intact.
        assert!(contains(
            &clean,
            &[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9]
        ));
        assert_eq!(clean.len(), jpeg.len() - (2 + 2 + 6 + 22) - (2 + 2 + 22));
        // Cleaning twice changes nothing more.
        assert_eq!(strip_metadata(MediaType::Jpeg, &clean).unwrap(), clean);
    }

    #[test]
    fn a_png_loses_its_text_and_exif_chunks() {
        let mut png = PNG_SIGNATURE.to_vec();
        let chunk = |out: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
            out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            out.extend_from_slice(&[0, 0, 0, 0]);
        };
        chunk(&mut png, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
        chunk(&mut png, b"tEXt", b"Comment\0flat 3, 12 Acacia Road");
        chunk(&mut png, b"eXIf", b"MM\0*GPS");
        chunk(&mut png, b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0Acacia");
        chunk(&mut png, b"zTXt", b"Place\0\0xx");
        chunk(&mut png, b"IDAT", b"pixels");
        chunk(&mut png, b"IEND", b"");
        let clean = strip_metadata(MediaType::Png, &png).unwrap();
        for gone in [&b"Acacia"[..], b"GPS", b"tEXt", b"zTXt", b"iTXt", b"eXIf"] {
            assert!(!contains(&clean, gone));
        }
        assert!(contains(&clean, b"IDATpixels"));
        assert!(clean.ends_with(b"IEND\0\0\0\0"));
    }

    #[test]
    fn a_file_is_what_its_bytes_say_not_what_its_sender_says() {
        let jpeg = jpeg_with(b"x");
        assert_eq!(
            check(MediaType::Png, &jpeg),
            Err(EvidenceError::NotWhatItSays {
                declared: MediaType::Png,
                found: MediaType::Jpeg
            })
        );
        assert_eq!(
            check(MediaType::Pdf, b"MZ\x90\0"),
            Err(EvidenceError::UnknownKind)
        );
        assert_eq!(check(MediaType::Pdf, b""), Err(EvidenceError::Empty));
        let big = [b"%PDF-1.7 ".as_slice(), &vec![b' '; EVIDENCE_MAX_BYTES]].concat();
        assert!(matches!(
            check(MediaType::Pdf, &big),
            Err(EvidenceError::TooLarge { .. })
        ));
        assert_eq!(check(MediaType::Pdf, b"%PDF-1.7\n"), Ok(MediaType::Pdf));
        assert_eq!(
            MediaType::from_mime("image/JPEG; x=1"),
            Some(MediaType::Jpeg)
        );
    }

    #[test]
    fn a_broken_image_is_refused_rather_than_passed_on_half_cleaned() {
        let jpeg = jpeg_with(b"SW1A 2AA");
        assert!(check(MediaType::Jpeg, &jpeg[..jpeg.len() - 2]).is_err());
        let mut lying = jpeg.clone();
        // APP1's length made to run past the end.
        lying[22] = 0xFF;
        assert!(strip_metadata(MediaType::Jpeg, &lying).is_err());
        assert!(check(MediaType::Png, PNG_SIGNATURE).is_err());
    }
}
