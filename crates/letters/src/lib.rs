//! Letters and notices as accessible PDF, pure.
//!
//! A [`Letter`] is addressed from the recipient's own details
//! ([`case_records::OwnDetails`], from their own view) and carries the
//! service's address only: there is no field for anyone else's address, so
//! no letter can carry the other parent's. [`Letter::to_pdf`] writes a
//! tagged PDF (PDF 1.7): a structure tree of a document, its heading and
//! paragraphs in reading order, every piece of text in marked content tied
//! to its element, the language and the title declared, so that screen
//! readers read it as it is meant to be read.
//!
//! Text is drawn in one embedded open typeface (see the `font` module), so
//! any name a parent in Great Britain may have, Welsh included, is drawn
//! and read back exactly as it is written: `Zoë Ó'Brien-Siân` and
//! `Gwenllian ap Rhys-Ŵyn` alike.

mod font;

use case_records::{CaseReference, OwnDetails};
use domain_types::Date;
use safety::{ReferralPack, WITHHELD};

/// A letter or notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Letter {
    /// The service's own address (from configuration).
    pub service_address: String,
    /// The recipient's name and address, from their own details.
    pub recipient: Vec<String>,
    /// The date.
    pub date: Date,
    /// The case reference.
    pub case: CaseReference,
    /// The heading (also the document's title).
    pub title: String,
    /// The paragraphs, in reading order.
    pub paragraphs: Vec<String>,
}

impl Letter {
    /// A letter to a parent, addressed from their own details.
    #[must_use]
    pub fn to_parent(
        service_address: &str,
        own: &OwnDetails,
        date: Date,
        case: CaseReference,
        title: &str,
        paragraphs: Vec<String>,
    ) -> Letter {
        Letter {
            service_address: service_address.to_owned(),
            recipient: vec![own.name.clone(), own.address.clone(), own.postcode.clone()],
            date,
            case,
            title: title.to_owned(),
            paragraphs,
        }
    }

    /// Every line of text in reading order: service address, recipient,
    /// date and reference, heading, paragraphs.
    #[must_use]
    pub fn lines(&self) -> Vec<(Role, String)> {
        let mut lines = vec![(Role::Paragraph, self.service_address.clone())];
        lines.extend(self.recipient.iter().map(|l| (Role::Paragraph, l.clone())));
        lines.push((
            Role::Paragraph,
            format!("{}   Case reference: {}", self.date, self.case),
        ));
        lines.push((Role::Heading, self.title.clone()));
        lines.extend(self.paragraphs.iter().map(|p| (Role::Paragraph, p.clone())));
        lines
    }

    /// The letter as a tagged PDF.
    #[must_use]
    pub fn to_pdf(&self) -> Vec<u8> {
        tagged_pdf(&self.title, &self.lines())
    }
}

/// A structure element's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A level-one heading: the document's title.
    Heading,
    /// A level-two heading: a section.
    Subheading,
    /// A paragraph.
    Paragraph,
}

impl Role {
    const fn tag(self) -> &'static str {
        match self {
            Role::Heading => "H1",
            Role::Subheading => "H2",
            Role::Paragraph => "P",
        }
    }

    const fn font_size(self) -> u32 {
        match self {
            Role::Heading => 14,
            Role::Subheading => 12,
            Role::Paragraph => 10,
        }
    }

    /// From one baseline to the next, in points.
    const fn leading(self) -> i32 {
        match self {
            Role::Heading => 17,
            Role::Subheading => 15,
            Role::Paragraph => 13,
        }
    }
}

/// The document's title as a PDF text string: as it is if it is printable
/// ASCII (with `(`, `)` and `\` escaped), otherwise UTF-16BE with its
/// byte order mark, in hexadecimal.
fn text_string(text: &str) -> Vec<u8> {
    if text.chars().all(|c| c.is_ascii() && !c.is_ascii_control()) {
        let mut out = Vec::with_capacity(text.len() + 2);
        out.push(b'(');
        for byte in text.bytes() {
            if matches!(byte, b'(' | b')' | b'\\') {
                out.push(b'\\');
            }
            out.push(byte);
        }
        out.push(b')');
        out
    } else {
        let units: String = text.encode_utf16().map(|u| format!("{u:04X}")).collect();
        format!("<FEFF{units}>").into_bytes()
    }
}

/// The width text may take on the page: A4 (595 points) less a margin of
/// 50 points each side.
const TEXT_WIDTH: u32 = 495;

/// The most characters on a line: a comfortable measure for 10-point text,
/// and the one letters have always been wrapped at.
const LINE_CHARACTERS: usize = 90;

/// Greedy wrapping between words: a line holds at most
/// [`LINE_CHARACTERS`] characters, and is never wider than [`TEXT_WIDTH`]
/// points at `size` points by the typeface's own widths (so a heading or a
/// line of wide capitals stays on the page); a word wider than a line on
/// its own is broken wherever the width runs out.
fn wrap(text: &str, size: u32, font: &font::DocumentFont) -> Vec<String> {
    // Widths in thousandths of a point.
    let limit = TEXT_WIDTH * 1000;
    let width = |text: &str| font.width(text) * size;
    let space = width(" ");
    let mut lines = Vec::new();
    let mut line = String::new();
    let (mut line_width, mut line_characters) = (0, 0);
    for word in text.split_whitespace() {
        let (word_width, word_characters) = (width(word), word.chars().count());
        if !line.is_empty()
            && (line_width + space + word_width > limit
                || line_characters + 1 + word_characters > LINE_CHARACTERS)
        {
            lines.push(std::mem::take(&mut line));
            (line_width, line_characters) = (0, 0);
        }
        if !line.is_empty() {
            line.push(' ');
            (line_width, line_characters) = (line_width + space, line_characters + 1);
        }
        if word_width <= limit {
            line.push_str(word);
            (line_width, line_characters) =
                (line_width + word_width, line_characters + word_characters);
            continue;
        }
        // A word wider than a line: as much as fits on each.
        for c in word.chars() {
            let char_width = width(c.encode_utf8(&mut [0; 4]));
            if !line.is_empty() && line_width + char_width > limit {
                lines.push(std::mem::take(&mut line));
                (line_width, line_characters) = (0, 0);
            }
            line.push(c);
            (line_width, line_characters) = (line_width + char_width, line_characters + 1);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Where text starts and stops on an A4 page, in points.
const PAGE_TOP: i32 = 800;
const PAGE_BOTTOM: i32 = 60;

/// Writes a tagged PDF of as many A4 pages as the text needs. Each block is
/// one structure element (`H1`, `H2` or `P`) in reading order; its text is
/// one marked-content sequence on each page it reaches, so a paragraph that
/// runs onto the next page is still one element. Page numbers on a document
/// of more than one page are artifacts, which screen readers skip.
#[must_use]
pub fn tagged_pdf(title: &str, blocks: &[(Role, String)]) -> Vec<u8> {
    // Lay out: page contents, and which block each page's marked-content
    // ids belong to (the parent tree), and each block's (page, id) parts.
    let mut pages: Vec<Vec<u8>> = vec![Vec::new()];
    let mut page_marks: Vec<Vec<usize>> = vec![Vec::new()];
    let mut parts: Vec<Vec<(usize, usize)>> = vec![Vec::new(); blocks.len()];
    let mut font = font::DocumentFont::new();
    let mut y = PAGE_TOP;
    for (block, (role, text)) in blocks.iter().enumerate() {
        let size = role.font_size();
        let leading = role.leading();
        let mut open = false;
        for line in wrap(text, size, &font) {
            if y - leading < PAGE_BOTTOM {
                if open {
                    pages
                        .last_mut()
                        .expect("a page")
                        .extend_from_slice(b"ET EMC\n");
                    open = false;
                }
                pages.push(Vec::new());
                page_marks.push(Vec::new());
                y = PAGE_TOP;
            }
            let page = pages.len() - 1;
            let content = &mut pages[page];
            if open {
                content.extend_from_slice(format!("0 -{leading} Td ").as_bytes());
            } else {
                let mcid = page_marks[page].len();
                page_marks[page].push(block);
                parts[block].push((page, mcid));
                content.extend_from_slice(
                    format!(
                        "/{} <</MCID {mcid}>> BDC BT /F1 {size} Tf 1 0 0 1 50 {y} Tm ",
                        role.tag()
                    )
                    .as_bytes(),
                );
                open = true;
            }
            content.extend_from_slice(&font.show(&line));
            content.extend_from_slice(b" Tj ");
            y -= leading;
        }
        if open {
            pages
                .last_mut()
                .expect("a page")
                .extend_from_slice(b"ET EMC\n");
        }
        y -= 9;
    }
    let page_count = pages.len();
    if page_count > 1 {
        for (number, content) in pages.iter_mut().enumerate() {
            content.extend_from_slice(b"/Artifact BMC BT /F1 9 Tf 1 0 0 1 50 30 Tm ");
            content.extend_from_slice(&font.show(&format!("Page {} of {page_count}", number + 1)));
            content.extend_from_slice(b" Tj ET EMC\n");
        }
    }
    // Objects: 1 catalog, 2 pages, 3 font, 4 structure tree root, 5 the
    // document element, 6 parent tree, 7 info; then a page and its content
    // for each page; then one element per block; then the font's own.
    let page_object = |page: usize| 8 + 2 * page;
    let element_object = |block: usize| 8 + 2 * page_count + block;
    let elements: Vec<String> = (0..blocks.len())
        .map(|b| format!("{} 0 R", element_object(b)))
        .collect();
    let parent_tree: Vec<String> = page_marks
        .iter()
        .enumerate()
        .map(|(page, marks)| {
            let refs: Vec<&str> = marks.iter().map(|b| elements[*b].as_str()).collect();
            format!("{page} [{}]", refs.join(" "))
        })
        .collect();
    let (font_dictionary, font_objects) = font.objects(element_object(blocks.len()));
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R /StructTreeRoot 4 0 R /MarkInfo << /Marked true >> /Lang (en-GB) /ViewerPreferences << /DisplayDocTitle true >> >>".to_vec(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {page_count} >>",
            (0..page_count)
                .map(|p| format!("{} 0 R", page_object(p)))
                .collect::<Vec<_>>()
                .join(" ")
        )
        .into_bytes(),
        font_dictionary,
        format!("<< /Type /StructTreeRoot /K 5 0 R /ParentTree 6 0 R /ParentTreeNextKey {page_count} >>").into_bytes(),
        format!("<< /Type /StructElem /S /Document /P 4 0 R /K [{}] >>", elements.join(" ")).into_bytes(),
        format!("<< /Nums [{}] >>", parent_tree.join(" ")).into_bytes(),
        {
            let mut info = b"<< /Title ".to_vec();
            info.extend_from_slice(&text_string(title));
            info.extend_from_slice(b" /Producer (Child Maintenance Service) >>");
            info
        },
    ];
    for (page, content) in pages.iter().enumerate() {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R /StructParents {page} /Tabs /S >>",
                page_object(page) + 1
            )
            .into_bytes(),
        );
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend_from_slice(content);
        stream.extend_from_slice(b"\nendstream");
        objects.push(stream);
    }
    for ((role, _), parts) in blocks.iter().zip(&parts) {
        let (first_page, first_mcid) = parts.first().copied().unwrap_or((0, 0));
        let kids = if parts.len() == 1 {
            format!("{first_mcid}")
        } else {
            format!(
                "[{}]",
                parts
                    .iter()
                    .map(|(page, mcid)| format!(
                        "<< /Type /MCR /Pg {} 0 R /MCID {mcid} >>",
                        page_object(*page)
                    ))
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        };
        objects.push(
            format!(
                "<< /Type /StructElem /S /{} /P 5 0 R /Pg {} 0 R /K {kids} >>",
                role.tag(),
                page_object(first_page)
            )
            .into_bytes(),
        );
    }
    objects.extend(font_objects);
    let mut pdf = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (index, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", index + 1).as_bytes());
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 7 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// The notice to the other parent when a case moves to Collect and Pay:
/// the neutral words only.
#[must_use]
pub fn neutral_notice(
    service_address: &str,
    recipient: &OwnDetails,
    date: Date,
    case: CaseReference,
    words: &str,
) -> Letter {
    Letter::to_parent(
        service_address,
        recipient,
        date,
        case,
        "Your child maintenance payments",
        vec![words.to_owned()],
    )
}

/// A referral pack (issue 5 §5) as tagged PDF: from the service's address,
/// to the police or the Crown Prosecution Service, with the signals and
/// their evidence, then the whole timeline (payments due and made, and the
/// case's events). It is built from the pack alone, in which every detail
/// that could locate a protected person is already withheld
/// ([`safety::referral_pack`]); nothing else reaches it.
#[must_use]
pub fn referral_pack_pdf(pack: &ReferralPack, service_address: &str) -> Vec<u8> {
    let title = format!(
        "Referral of suspected financial abuse: case {}",
        pack.case_reference
    );
    let mut blocks = vec![
        (Role::Paragraph, service_address.to_owned()),
        (
            Role::Paragraph,
            format!(
                "To {}. Prepared on {}.",
                pack.recipient.name(),
                pack.prepared_on
            ),
        ),
        (Role::Heading, title.clone()),
        (
            Role::Paragraph,
            format!(
                "The Child Maintenance Service refers this case because the patterns below may show financial abuse. They are information for your assessment, not a finding. Anything that could locate a protected person is shown as {WITHHELD}."
            ),
        ),
        (Role::Subheading, "Patterns found".to_owned()),
    ];
    if pack.signals.is_empty() {
        blocks.push((
            Role::Paragraph,
            "None on the day this was prepared.".to_owned(),
        ));
    }
    for signal in &pack.signals {
        blocks.push((
            Role::Paragraph,
            format!(
                "{}, by {}: {}",
                signal.kind.in_words(),
                signal.party.in_words(),
                signal.explanation
            ),
        ));
        blocks.extend(
            signal
                .evidence
                .iter()
                .map(|e| (Role::Paragraph, format!("{}: {}", e.on, e.what))),
        );
    }
    blocks.push((Role::Subheading, "Timeline and payment history".to_owned()));
    blocks.extend(
        pack.timeline
            .iter()
            .map(|e| (Role::Paragraph, format!("{}: {}", e.on, e.what))),
    );
    tagged_pdf(&title, &blocks)
}

#[cfg(test)]
mod tests {
    use super::{TEXT_WIDTH, font::DocumentFont, wrap};

    #[test]
    fn lines_hold_at_most_90_characters_and_never_run_off_the_page() {
        let font = DocumentFont::new();
        let text = "Gwenllian ap Rhys-Ŵyn ".repeat(20);
        let lines = wrap(&text, 10, &font);
        assert!(lines.iter().all(|l| l.chars().count() <= 90));
        assert_eq!(lines.join(" "), text.trim_end());
        // Wide capitals at 14 points reach the margin before 90 characters.
        let capitals = "WWWWW ".repeat(15);
        for line in wrap(&capitals, 14, &font) {
            assert!(font.width(&line) * 14 <= TEXT_WIDTH * 1000, "{line}");
        }
        // A word wider than a line is broken where the width runs out.
        let word = "W".repeat(60);
        let lines = wrap(&word, 10, &font);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines.concat(), word);
        assert!(
            lines
                .iter()
                .all(|l| font.width(l) * 10 <= TEXT_WIDTH * 1000)
        );
        assert_eq!(wrap("", 10, &font), vec![String::new()]);
    }
}
