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

use case_records::{CaseReference, OwnDetails};
use domain_types::Date;

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
    /// A level-one heading.
    Heading,
    /// A paragraph.
    Paragraph,
}

/// Text for a PDF string in WinAnsiEncoding: `£` is byte 0xA3; other
/// characters outside it become `?` [I: letters are written in plain
/// English]; `(`, `)` and `\` are escaped.
fn pdf_string(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 2);
    out.push(b'(');
    for c in text.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push(b'\\');
                out.push(c as u8);
            }
            '£' => out.push(0xA3),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c as u8),
            _ => out.push(b'?'),
        }
    }
    out.push(b')');
    out
}

/// Greedy wrapping at about 90 characters for 10-point Helvetica on A4.
fn wrap(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > 90 {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Writes a one-page tagged PDF: each line group is one structure element
/// (`H1` or `P`) whose text is one marked-content sequence on the page.
fn tagged_pdf(title: &str, blocks: &[(Role, String)]) -> Vec<u8> {
    let mut content = Vec::new();
    let mut y: i32 = 800;
    for (mcid, (role, text)) in blocks.iter().enumerate() {
        let (tag, size) = match role {
            Role::Heading => ("H1", 14),
            Role::Paragraph => ("P", 10),
        };
        content
            .extend_from_slice(format!("/{tag} <</MCID {mcid}>> BDC BT /F1 {size} Tf ").as_bytes());
        for (n, line) in wrap(text).iter().enumerate() {
            if n == 0 {
                content.extend_from_slice(format!("50 {y} Td ").as_bytes());
            } else {
                content.extend_from_slice(format!("0 -{} Td ", size + 3).as_bytes());
                y -= size + 3;
            }
            content.extend_from_slice(&pdf_string(line));
            content.extend_from_slice(b" Tj ");
        }
        content.extend_from_slice(b"ET EMC\n");
        y -= size + 12;
    }
    // Objects: 1 catalog, 2 pages, 3 page, 4 content, 5 font, 6 struct
    // tree root, 7 document element, 8 parent tree, 9 info, then one
    // element per block.
    let first_element = 10;
    let kids: Vec<String> = (0..blocks.len())
        .map(|i| format!("{} 0 R", first_element + i))
        .collect();
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R /StructTreeRoot 6 0 R /MarkInfo << /Marked true >> /Lang (en-GB) /ViewerPreferences << /DisplayDocTitle true >> >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R /StructParents 0 /Tabs /S >>".to_vec(),
        {
            let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
            stream.extend_from_slice(&content);
            stream.extend_from_slice(b"\nendstream");
            stream
        },
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
        b"<< /Type /StructTreeRoot /K 7 0 R /ParentTree 8 0 R /ParentTreeNextKey 1 >>".to_vec(),
        format!("<< /Type /StructElem /S /Document /P 6 0 R /K [{}] >>", kids.join(" ")).into_bytes(),
        format!("<< /Nums [0 [{}]] >>", kids.join(" ")).into_bytes(),
        {
            let mut info = b"<< /Title ".to_vec();
            info.extend_from_slice(&pdf_string(title));
            info.extend_from_slice(b" /Producer (Child Maintenance Service) >>");
            info
        },
    ];
    for (mcid, (role, _)) in blocks.iter().enumerate() {
        let tag = match role {
            Role::Heading => "H1",
            Role::Paragraph => "P",
        };
        objects.push(
            format!("<< /Type /StructElem /S /{tag} /P 7 0 R /Pg 3 0 R /K {mcid} >>").into_bytes(),
        );
    }
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
            "trailer\n<< /Size {} /Root 1 0 R /Info 9 0 R >>\nstartxref\n{xref}\n%%EOF\n",
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
