//! Interruption: SIGINT, SIGTERM or SIGHUP → unfinished reports removed, then the process ends
//! as the signal would have ended it.
//!
//! In: a signal, whenever it comes once a command has settled its outputs. Out: every temporary
//! file of this run deleted ([`zhijian::report::output::abandon_all`]), a line on stderr saying
//! what was left, and death by the same signal (exit status 130, 143, … in a shell). The library
//! only offers the cleanup; catching signals and ending the process is this binary's business,
//! so another front end can do either its own way.

use super::CliError;

/// Installs the handlers. Until a signal comes it waits on a thread of its own, so grading is
/// not interrupted half-way through a write.
#[cfg(unix)]
pub fn remove_temp_files_on_signals() -> Result<(), CliError> {
    install().map_err(|e| CliError::Usage(format!("无法安装信号处理: {}", zhijian::zh::io(&e))))
}

#[cfg(unix)]
fn install() -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    use std::io::{self, Write};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("zhijian-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // Held until the process is gone, so no commit can start after the cleanup.
                let abandoned = zhijian::report::output::abandon_all();
                // On a line of its own, below whatever the progress bar left.
                let _ = writeln!(
                    io::stderr(),
                    "\n已中断:{}",
                    if abandoned.removed == 0 {
                        "报告没有写完"
                    } else {
                        "没写完的报告已删除,原有的输出文件保持不变"
                    }
                );
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}

/// Elsewhere there are no such signals to catch; Ctrl-C ends the process as it always did.
#[cfg(not(unix))]
pub fn remove_temp_files_on_signals() -> Result<(), CliError> {
    Ok(())
}
