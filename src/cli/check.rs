//! `smp-guide check`: the content folder checked without serving.
use std::process::ExitCode;

use super::CheckArgs;
use crate::content;

/// `smp-guide check`: report every content problem as `PATH:LINE: message`.
pub fn check(args: CheckArgs) -> ExitCode {
    let assets = match crate::assets::Assets::load_or_embedded(args.static_dir.as_deref()) {
        Ok(assets) => assets,
        Err(err) => {
            eprintln!("smp-guide: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(err) = crate::config::require_folder(&args.content, "content", "--content DIR") {
        eprintln!("smp-guide: {err:#}");
        return ExitCode::FAILURE;
    }
    match content::load(&args.content, &assets) {
        Ok(guide) => {
            for warning in &guide.warnings {
                println!(
                    "{}:{}: warning: {}",
                    warning.path.display(),
                    warning.line,
                    warning.message
                );
            }
            for section in guide.sections.iter().chain(&guide.drafts) {
                if let Some(score) = section.reading_ease {
                    println!(
                        "{}: reading ease {score:.0} (plain English is {:.0} or more)",
                        section.file.display(),
                        content::MIN_READING_EASE
                    );
                }
            }
            println!(
                "{}: ok, {} sections, {} drafts, {} warning(s)",
                args.content.display(),
                guide.sections.len(),
                guide.drafts.len(),
                guide.warnings.len()
            );
            ExitCode::SUCCESS
        }
        Err(failure) => {
            for problem in &failure.problems {
                println!("{problem}");
            }
            // Not on stdout, which holds only `PATH:LINE: message` lines.
            eprintln!("{}", failure.summary());
            ExitCode::FAILURE
        }
    }
}
