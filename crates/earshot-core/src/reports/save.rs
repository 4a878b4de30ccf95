//! Saving a report where the manager keeps files: every CSV table in one new
//! folder, or the printable page as one HTML file, named after the period so
//! a week's report never overwrites last week's.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{build, html, write_conversations_csv, write_csv_dir, ReportQuery};
use crate::error::{Error, Result};
use crate::Workspace;

/// Overrides where exports go (tests, or a manager who keeps reports elsewhere).
pub const EXPORT_DIR_ENV: &str = "EARSHOT_EXPORT_DIR";

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SavedExport {
    /// The file (HTML) or folder (CSV) written.
    pub path: String,
    /// The folder it is in, to show in the file manager.
    pub folder: String,
    /// Every file written.
    pub files: Vec<String>,
}

/// The folder `EARSHOT_EXPORT_DIR` names, if set: exports go there without asking.
pub fn export_dir_override() -> Option<PathBuf> {
    std::env::var_os(EXPORT_DIR_ENV)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
}

/// Where exports go: `EARSHOT_EXPORT_DIR`, else the user's Downloads folder, else home.
pub fn export_dir() -> Result<PathBuf> {
    if let Some(dir) = export_dir_override() {
        return Ok(dir);
    }
    let dirs = directories::UserDirs::new().ok_or_else(|| {
        Error::Invalid(format!(
            "no home folder to save the report in; set {EXPORT_DIR_ENV} to a folder"
        ))
    })?;
    Ok(dirs
        .download_dir()
        .unwrap_or_else(|| dirs.home_dir())
        .to_owned())
}

/// `earshot-report 2026-11-01 to 2026-11-07.html`: the name offered for the page.
pub fn page_name(q: &ReportQuery) -> String {
    format!("{}.html", base_name(q))
}

/// `earshot-report 2026-11-01 to 2026-11-07` (the last day the period includes).
fn base_name(q: &ReportQuery) -> String {
    let day = |ms: i64| -> String {
        crate::clock::format_rfc3339_ms(ms)
            .chars()
            .take(10)
            .collect()
    };
    format!("earshot-report {} to {}", day(q.from), day(q.to - 1))
}

/// `name`, or `name (2)`, `name (3)`… : the first that does not exist in `dir`.
fn unused(dir: &Path, name: &str, extension: &str) -> PathBuf {
    (1..)
        .map(|n| {
            let stem = if n == 1 {
                name.to_owned()
            } else {
                format!("{name} ({n})")
            };
            dir.join(format!("{stem}{extension}"))
        })
        .find(|p| !p.exists())
        .unwrap_or_else(|| dir.join(name))
}

/// Writes `contents` as a new file `name` + `extension` in `dir` (`name (2)` and
/// on when that is taken), with a BOM so spreadsheets read it as UTF-8.
pub fn save_file(dir: &Path, name: &str, extension: &str, contents: &str) -> Result<SavedExport> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    let path = unused(dir, name, extension);
    std::fs::write(&path, format!("\u{feff}{contents}"))
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
    Ok(SavedExport {
        path: show(&path),
        folder: show(dir),
        files: vec![show(&path)],
    })
}

fn show(p: &Path) -> String {
    p.display().to_string()
}

/// Writes every table of the report (and the period's conversations) as CSV
/// into a new folder in `dir`.
pub fn save_csv(ws: &Workspace, q: &ReportQuery, dir: &Path) -> Result<SavedExport> {
    let report = build(ws, q)?;
    let folder = unused(dir, &base_name(q), "");
    let mut files = write_csv_dir(&report, &folder)?;
    let path = folder.join("conversations.csv");
    let io = |e| Error::io(format!("cannot write {}", path.display()), e);
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).map_err(io)?);
    write_conversations_csv(ws, q, &mut file)?;
    std::io::Write::flush(&mut file).map_err(io)?;
    files.push(path.clone());
    Ok(SavedExport {
        path: show(&folder),
        folder: show(dir),
        files: files.iter().map(|p| show(p)).collect(),
    })
}

/// Writes the one-page printable report as an HTML file in `dir`.
pub fn save_html(ws: &Workspace, q: &ReportQuery, dir: &Path, title: &str) -> Result<SavedExport> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    save_html_as(ws, q, &unused(dir, &base_name(q), ".html"), title)
}

/// Writes the one-page printable report to `path` (a file the manager chose).
pub fn save_html_as(
    ws: &Workspace,
    q: &ReportQuery,
    path: &Path,
    title: &str,
) -> Result<SavedExport> {
    let report = build(ws, q)?;
    std::fs::write(path, html(&report, title))
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
    Ok(SavedExport {
        path: show(path),
        folder: show(path.parent().unwrap_or(path)),
        files: vec![show(path)],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query() -> ReportQuery {
        // 2025-11-01 00:00 UTC to 2025-11-08 00:00 UTC.
        ReportQuery {
            from: 1_761_955_200_000,
            to: 1_762_560_000_000,
            ..Default::default()
        }
    }

    #[test]
    fn exports_are_named_after_the_period_and_never_overwrite() {
        let (_tmp, ws) = crate::contacts::tests_support::open();
        let out = tempfile::tempdir().unwrap();
        let first = save_csv(&ws, &query(), out.path()).unwrap();
        assert!(
            first
                .path
                .ends_with("earshot-report 2025-11-01 to 2025-11-07"),
            "the folder names the period's first and last day: {}",
            first.path
        );
        assert!(first.files.iter().any(|f| f.ends_with("conversations.csv")));
        assert!(first.files.iter().any(|f| f.ends_with("summary.csv")));
        let again = save_csv(&ws, &query(), out.path()).unwrap();
        assert!(
            again
                .path
                .ends_with("earshot-report 2025-11-01 to 2025-11-07 (2)"),
            "a second export goes beside the first: {}",
            again.path
        );
        let page = save_html(&ws, &query(), out.path(), "Week 44").unwrap();
        assert!(page
            .path
            .ends_with("earshot-report 2025-11-01 to 2025-11-07.html"));
        assert_eq!(
            page_name(&query()),
            "earshot-report 2025-11-01 to 2025-11-07.html"
        );
        let text = std::fs::read_to_string(&page.path).unwrap();
        assert!(text.contains("Week 44"), "the page carries its title");
    }
}
