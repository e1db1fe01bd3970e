//! Installs GOV.UK Frontend from the pinned lockfile (`frontend/`) when it
//! is not there yet, and prepares the files the binary embeds: the compiled
//! CSS, with the GDS Transport `@font-face` rules removed and the font
//! family set to the fallback it already names (the typeface is licensed
//! for gov.uk only, and this service is not hosted there), and the
//! compiled JavaScript; and the MOJ Pattern Library's compiled CSS (for the
//! staff pages), with the same font rule. Nothing from npm runs at run time.

use std::path::Path;
use std::process::Command;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let frontend = Path::new(&manifest).join("frontend");
    let dist = frontend.join("node_modules/govuk-frontend/dist/govuk");
    let moj = frontend.join("node_modules/@ministryofjustice/frontend/moj");
    println!("cargo:rerun-if-changed=frontend/package-lock.json");
    println!("cargo:rerun-if-changed=frontend/package.json");
    println!("cargo:rerun-if-changed=frontend/node_modules/govuk-frontend/package.json");
    println!(
        "cargo:rerun-if-changed=frontend/node_modules/@ministryofjustice/frontend/package.json"
    );
    if !dist.join("govuk-frontend.min.css").exists() || !moj.join("moj-frontend.min.css").exists() {
        let status = Command::new("npm")
            .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
            .current_dir(&frontend)
            .status()
            .unwrap_or_else(|e| {
                panic!("GOV.UK Frontend is not installed and npm could not be run ({e}); install Node.js and npm, then build again")
            });
        assert!(
            status.success(),
            "`npm ci` in {} failed: GOV.UK Frontend could not be installed",
            frontend.display()
        );
    }
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let css = std::fs::read_to_string(dist.join("govuk-frontend.min.css"))
        .expect("govuk-frontend.min.css is in the package");
    std::fs::write(
        Path::new(&out).join("govuk-frontend.min.css"),
        without_gds_transport(&css),
    )
    .expect("OUT_DIR is writable");
    std::fs::copy(
        dist.join("govuk-frontend.min.js"),
        Path::new(&out).join("govuk-frontend.min.js"),
    )
    .expect("govuk-frontend.min.js is in the package");
    let moj_css = std::fs::read_to_string(moj.join("moj-frontend.min.css"))
        .expect("moj-frontend.min.css is in the package");
    std::fs::write(
        Path::new(&out).join("moj-frontend.min.css"),
        without_gds_transport(&moj_css),
    )
    .expect("OUT_DIR is writable");
}

/// The CSS without `@font-face` rules for GDS Transport, and with
/// `arial, sans-serif` wherever it asked for GDS Transport first.
fn without_gds_transport(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("@font-face{") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map_or(rest.len(), |end| start + end + 1);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out.replace(
        "font-family:GDS Transport,arial,sans-serif",
        "font-family:arial,sans-serif",
    )
}
