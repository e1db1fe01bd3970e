//! The one typeface of every letter: Liberation Sans (SIL Open Font
//! Licence, `fonts/LICENSE`), compiled in, and embedded in each PDF as a
//! subset of the glyphs that PDF draws, so that every name a parent may
//! have is drawn as it is written: Welsh `ŵ ŷ Ŵ Ŷ`, the circumflexes,
//! diaereses and accents of Irish, Scottish and other names (`Ó`, `ë`,
//! `â`), Polish `ł ś ż`, Romanian `ș ț`, Turkish `ğ ı`, and the rest of
//! Latin script (the typeface has all of Latin Extended-A and -B and almost
//! all of Latin Extended Additional), Greek and Cyrillic too.
//!
//! The font is a composite (`Type0`) font over a `CIDFontType2` descendant
//! with its glyph widths, and a `ToUnicode` map so that copying, searching
//! and screen readers get back exactly the characters written.
//!
//! **Encoding.** Its character codes are chosen so that text stays
//! readable in the PDF's bytes, as it was with WinAnsi: a character from
//! U+0020 to U+00FF is one byte, its Latin-1 value (so ASCII text is
//! itself and `£` is `0xA3`); one from U+0100 to U+1FFF is two bytes, its
//! own number (`ŵ` is `01 75`); any other (curly quotes, dashes, `€`,
//! characters beyond the Basic Multilingual Plane) takes one of 255
//! two-byte codes `00 01`..`00 FF` in the order it first appears in the
//! document. The first byte says how long a code is: below `0x20` two
//! bytes, otherwise one. The map from codes to glyphs is embedded as a
//! CMap (the `Encoding` of the font), as PDF/UA asks of any CMap not
//! predefined.
//!
//! **What cannot be drawn.** A character the typeface lacks (Chinese, for
//! one) is drawn as a white square, `□`, never as the empty `.notdef`
//! glyph (which PDF/UA forbids) nor as `?`; its code still maps to the
//! character itself in the `ToUnicode` map, so the text read out or copied
//! is what was written. Control characters are not drawn. Past 255
//! distinct characters above U+1FFF in one document (which no letter
//! comes near), further ones are written as `□` itself.

use std::collections::BTreeMap;

use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};

/// Liberation Sans Regular 2.1.5, unmodified (see `fonts/LICENSE`).
const FONT: &[u8] = include_bytes!("../fonts/LiberationSans-Regular.ttf");

/// The font's PostScript name.
const FONT_NAME: &str = "LiberationSans";

/// Drawn for a character the typeface lacks: U+25A1 WHITE SQUARE.
const MISSING: char = '\u{25A1}';

/// The fixed code of [`MISSING`], among the codes given out in order.
const MISSING_CODE: Code = Code::Two(0x0000);

/// One character code in the document's font.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Code {
    /// One byte: a character from U+0020 to U+00FF.
    One(u8),
    /// Two bytes: `0x0100..=0x1FFF` a character's own number, below that
    /// a code given out in order of first appearance.
    Two(u16),
}

impl Code {
    fn push_to(self, out: &mut Vec<u8>) {
        match self {
            Code::One(byte) => out.push(byte),
            Code::Two(code) => out.extend_from_slice(&code.to_be_bytes()),
        }
    }

    fn hex(self) -> String {
        match self {
            Code::One(byte) => format!("<{byte:02X}>"),
            Code::Two(code) => format!("<{code:04X}>"),
        }
    }
}

/// The font of one document: the characters it draws, each with its code
/// and the glyph that draws it.
pub(crate) struct DocumentFont {
    face: Face<'static>,
    /// Glyph drawn for a character the typeface lacks.
    missing: GlyphId,
    /// Each character drawn, with its code.
    codes: BTreeMap<char, Code>,
    /// Each code used, with its character and glyph (in the whole font).
    used: BTreeMap<Code, (char, GlyphId)>,
    /// The next code to give out below U+0100's own.
    next_given: u16,
}

impl DocumentFont {
    /// A font that has drawn nothing yet.
    pub(crate) fn new() -> DocumentFont {
        let face = Face::parse(FONT, 0).expect("the embedded typeface parses");
        let missing = face
            .glyph_index(MISSING)
            .or_else(|| face.glyph_index('?'))
            .expect("the embedded typeface has a glyph for what it lacks");
        DocumentFont {
            face,
            missing,
            codes: BTreeMap::new(),
            used: BTreeMap::new(),
            next_given: 1,
        }
    }

    /// The glyph for a character: its own, or the one for what is lacking.
    fn glyph(&self, c: char) -> GlyphId {
        self.face.glyph_index(c).unwrap_or(self.missing)
    }

    /// The advance of a glyph in thousandths of the font size (the unit of
    /// a PDF font's widths), rounded to the nearest.
    fn advance(&self, glyph: GlyphId) -> u32 {
        let units = u32::from(self.face.glyph_hor_advance(glyph).unwrap_or(0));
        let per_em = u32::from(self.face.units_per_em());
        (units * 1000 + per_em / 2) / per_em
    }

    /// How wide `text` is drawn, in thousandths of the font size: for a
    /// size in points, `width * size / 1000` points.
    pub(crate) fn width(&self, text: &str) -> u32 {
        text.chars()
            .filter(|c| !c.is_control())
            .map(|c| self.advance(self.glyph(c)))
            .sum()
    }

    /// The code for a character, given it if it has none yet; `None` for a
    /// control character, which is not drawn.
    fn code(&mut self, c: char) -> Option<Code> {
        if c.is_control() {
            return None;
        }
        if let Some(code) = self.codes.get(&c) {
            return Some(*code);
        }
        let code = match u32::from(c) {
            scalar @ 0x20..=0xFF => Code::One(u8::try_from(scalar).ok()?),
            scalar @ 0x100..=0x1FFF => Code::Two(u16::try_from(scalar).ok()?),
            _ if c == MISSING => MISSING_CODE,
            _ if self.next_given <= 0xFF => {
                self.next_given += 1;
                Code::Two(self.next_given - 1)
            }
            _ => return self.code(MISSING),
        };
        self.codes.insert(c, code);
        self.used.insert(code, (c, self.glyph(c)));
        Some(code)
    }

    /// `text` as a PDF string in this font's codes, `(` … `)`, with `(`,
    /// `)` and `\` escaped and bytes below `0x20` written in octal.
    pub(crate) fn show(&mut self, text: &str) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(text.len());
        for c in text.chars() {
            if let Some(code) = self.code(c) {
                code.push_to(&mut bytes);
            }
        }
        let mut out = Vec::with_capacity(bytes.len() + 2);
        out.push(b'(');
        for byte in bytes {
            match byte {
                b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', byte]),
                0x00..=0x1F => out.extend_from_slice(format!("\\{byte:03o}").as_bytes()),
                _ => out.push(byte),
            }
        }
        out.push(b')');
        out
    }

    /// A scaled font metric: font units to thousandths of the font size.
    fn metric(&self, units: i16) -> i32 {
        let per_em = i32::from(self.face.units_per_em());
        let scaled = i32::from(units) * 1000;
        let half = if scaled < 0 { -per_em / 2 } else { per_em / 2 };
        (scaled + half) / per_em
    }

    /// The subset's six-letter tag, from the characters it draws, so the
    /// same text always makes the same bytes.
    fn tag(&self) -> String {
        let mut hash: u32 = 0x811C_9DC5;
        for (code, (c, _)) in &self.used {
            let mut bytes = Vec::new();
            code.push_to(&mut bytes);
            bytes.extend_from_slice(&u32::from(*c).to_be_bytes());
            for byte in bytes {
                hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
            }
        }
        (0..6)
            .map(|_| {
                let letter = char::from(b'A' + u8::try_from(hash % 26).unwrap_or(0));
                hash /= 26;
                letter
            })
            .collect()
    }

    /// The font's PDF objects: the `Type0` font dictionary (for the object
    /// the pages name) and, numbered from `next`, its descendant
    /// `CIDFontType2`, font descriptor, embedded subset, encoding CMap and
    /// `ToUnicode` CMap.
    pub(crate) fn objects(&self, next: usize) -> (Vec<u8>, Vec<Vec<u8>>) {
        let (descendant, descriptor, file, encoding, to_unicode) =
            (next, next + 1, next + 2, next + 3, next + 4);
        let name = format!("{}+{FONT_NAME}", self.tag());

        // Subset: glyph 0 first, then each glyph drawn, in code order.
        let mut remapper = GlyphRemapper::new();
        for (_, glyph) in self.used.values() {
            remapper.remap(glyph.0);
        }
        let subset =
            subsetter::subset(FONT, 0, &remapper).expect("the embedded typeface can be subset");
        let widths: Vec<String> = remapper
            .remapped_gids()
            .map(|old| self.advance(GlyphId(old)).to_string())
            .collect();

        let type0 = format!(
            "<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding {encoding} 0 R /DescendantFonts [{descendant} 0 R] /ToUnicode {to_unicode} 0 R >>"
        )
        .into_bytes();
        let cid_font = format!(
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor {descriptor} 0 R /CIDToGIDMap /Identity /DW 1000 /W [0 [{}]] >>",
            widths.join(" ")
        )
        .into_bytes();
        let bbox = self.face.global_bounding_box();
        let weight = i32::from(self.face.weight().to_number());
        let font_descriptor = format!(
            "<< /Type /FontDescriptor /FontName /{name} /Flags 4 /FontBBox [{} {} {} {}] /ItalicAngle 0 /Ascent {} /Descent {} /CapHeight {} /StemV {} /FontFile2 {file} 0 R >>",
            self.metric(bbox.x_min),
            self.metric(bbox.y_min),
            self.metric(bbox.x_max),
            self.metric(bbox.y_max),
            self.metric(self.face.ascender()),
            self.metric(self.face.descender()),
            self.metric(
                self.face
                    .capital_height()
                    .unwrap_or_else(|| self.face.ascender())
            ),
            10 + 244 * (weight - 50) / 1000,
        )
        .into_bytes();
        let mut font_file = format!(
            "<< /Length {} /Length1 {} >>\nstream\n",
            subset.len(),
            subset.len()
        )
        .into_bytes();
        font_file.extend_from_slice(&subset);
        font_file.extend_from_slice(b"\nendstream");

        let glyph_of = |code: &Code| {
            let (_, glyph) = self.used[code];
            remapper.get(glyph.0).unwrap_or(0)
        };
        let cid_chars: Vec<String> = self
            .used
            .keys()
            .map(|code| format!("{} {}", code.hex(), glyph_of(code)))
            .collect();
        let encoding_cmap = stream(&format!(
            "%!PS-Adobe-3.0 Resource-CMap\n/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> def\n/CMapName /CMS-Letters-H def\n/CMapType 1 def\n/WMode 0 def\n{CODE_SPACE}{}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend",
            blocks("cidchar", &cid_chars)
        ));
        let encoding_cmap = [
            b"<< /Type /CMap /CMapName /CMS-Letters-H /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /WMode 0 ".as_slice(),
            &encoding_cmap,
        ]
        .concat();

        let unicode_chars: Vec<String> = self
            .used
            .iter()
            .map(|(code, (c, _))| {
                let utf16: String = c
                    .encode_utf16(&mut [0; 2])
                    .iter()
                    .map(|unit| format!("{unit:04X}"))
                    .collect();
                format!("{} <{utf16}>", code.hex())
            })
            .collect();
        let unicode_cmap = stream(&format!(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n{CODE_SPACE}{}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend",
            blocks("bfchar", &unicode_chars)
        ));
        let unicode_cmap = [b"<< ".as_slice(), &unicode_cmap].concat();

        (
            type0,
            vec![
                cid_font,
                font_descriptor,
                font_file,
                encoding_cmap,
                unicode_cmap,
            ],
        )
    }
}

/// The code space of both CMaps: one byte from `0x20`, two below it.
const CODE_SPACE: &str = "2 begincodespacerange\n<20> <FF>\n<0000> <1FFF>\nendcodespacerange\n";

/// CMap entries in blocks of at most 100, as the CMap format asks.
fn blocks(kind: &str, entries: &[String]) -> String {
    entries
        .chunks(100)
        .map(|chunk| {
            format!(
                "{} begin{kind}\n{}\nend{kind}\n",
                chunk.len(),
                chunk.join("\n")
            )
        })
        .collect()
}

/// The rest of a stream object after its dictionary's opening `<< `:
/// `/Length`, the data and `endstream`.
fn stream(data: &str) -> Vec<u8> {
    format!("/Length {} >>\nstream\n{data}\nendstream", data.len()).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::{Code, DocumentFont};

    #[test]
    fn latin_1_is_one_byte_its_own_value_and_the_rest_two() {
        let mut font = DocumentFont::new();
        assert_eq!(font.show("Siân £5"), b"(Si\xE2n \xA35)");
        assert_eq!(font.show("Ŵ"), b"(\\001t)");
        assert_eq!(font.show("(a\\b)"), b"(\\(a\\\\b\\))");
        // Curly quotes are given codes in order of first appearance.
        assert_eq!(
            font.show("\u{2019}\u{201C}\u{2019}"),
            b"(\\000\\001\\000\\002\\000\\001)"
        );
        assert_eq!(font.code('\u{2019}'), Some(Code::Two(1)));
        // Control characters are not drawn.
        assert_eq!(font.show("a\u{7}\u{85}b"), b"(ab)");
    }

    #[test]
    fn a_character_the_typeface_lacks_is_a_white_square_never_notdef() {
        let mut font = DocumentFont::new();
        font.show("\u{4E2D}");
        let (c, glyph) = font.used[&Code::Two(1)];
        assert_eq!(c, '\u{4E2D}');
        assert_eq!(glyph, font.face.glyph_index('\u{25A1}').unwrap());
        assert_ne!(glyph.0, 0);
    }

    #[test]
    fn past_255_codes_further_characters_are_written_as_the_white_square() {
        let mut font = DocumentFont::new();
        let many: String = (0x3000..0x3000 + 300).filter_map(char::from_u32).collect();
        font.show(&many);
        assert_eq!(font.next_given, 0x100);
        assert_eq!(font.used[&Code::Two(0)].0, '\u{25A1}');
        assert_eq!(font.used.len(), 256);
    }

    #[test]
    fn widths_are_the_typefaces_in_thousandths_of_the_size() {
        let font = DocumentFont::new();
        // Liberation Sans has Helvetica's widths: `a` 556, space 278.
        assert_eq!(font.width("a"), 556);
        assert_eq!(font.width("a a"), 556 + 278 + 556);
        assert_eq!(font.width("ŵ"), font.width("w"));
    }
}
