//! `access(2)`: may this process read or write a path? Unlike reading
//! permission bits it knows about root, read-only mounts and immutable
//! files, and it changes nothing.

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// `Ok` when every access in `mode` (`libc::R_OK | libc::W_OK`, ...) is
/// allowed; the OS error (EACCES, EROFS, EPERM) otherwise.
pub fn check(path: &Path, mode: libc::c_int) -> io::Result<()> {
    let c_path = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains a NUL byte"))?;
    // SAFETY: c_path is a valid NUL-terminated string that outlives the call;
    // access(2) only reads it.
    let rc = unsafe { libc::access(c_path.as_ptr(), mode) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn existing_files_are_accessible_and_missing_ones_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        assert!(check(&file, libc::R_OK | libc::W_OK).is_ok());
        let err = check(&dir.path().join("missing"), libc::F_OK).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }
}
