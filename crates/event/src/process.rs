//! Process-creation events: Defender DeviceProcessEvents, Sysmon 1, Security 4688, auditd EXECVE.

use crate::{Extra, Timestamp};

/// A normalized process creation. Field names in rules are the seed's DeviceProcessEvents
/// columns; see [`crate::ProcessField`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcessEvent {
    pub time: Timestamp,
    /// Host the process ran on (DeviceName; Sysmon `Computer`; auditd `node`).
    pub device: String,
    /// Account that ran it (`user` or `DOMAIN\user` as the source gives it).
    pub account: String,
    pub account_domain: Option<String>,
    /// File name of the executable image, without its folder (`nslookup.exe`, `python3.11`).
    pub file_name: String,
    /// Full path of the image as the source gives it, file name included (DeviceProcessEvents
    /// `FolderPath` holds the full path).
    pub folder_path: String,
    pub command_line: String,
    pub process_id: Option<u64>,
    pub parent_file_name: String,
    pub parent_command_line: String,
    pub parent_folder_path: String,
    pub parent_process_id: Option<u64>,
    /// Name of the input format that produced the event.
    pub source_format: &'static str,
    pub extra: Extra,
}

/// The file-name part of a Windows or POSIX path (`C:\Tools\dig.exe` → `dig.exe`).
pub fn file_name_of(path: &str) -> &str {
    path.rsplit(['\\', '/']).next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_name_of_both_separators() {
        assert_eq!(super::file_name_of(r"C:\Tools\DIG.EXE"), "DIG.EXE");
        assert_eq!(super::file_name_of("/usr/bin/python3.11"), "python3.11");
        assert_eq!(super::file_name_of("dig"), "dig");
    }
}
