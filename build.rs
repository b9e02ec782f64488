//! Build script: makes the workplace's shared conformance vectors available to the wasm-bindgen
//! browser tests, which run inside Chromium and cannot read files. The vectors are read from
//! `../shared/` (or `PERSONA_SHARED_DIR`, or a `shared/` folder above the project, or
//! `/work/shared`) and written to this build's `OUT_DIR`, never into the project. When they are
//! nowhere to be found an empty file is written instead and the tests that need it fail, saying
//! so; the library itself never depends on it.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PERSONA_SHARED_DIR");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let project =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<PathBuf> = std::env::var_os("PERSONA_SHARED_DIR").map(Into::into).into_iter().collect();
    dirs.extend(project.ancestors().skip(1).map(|dir| dir.join("shared")));
    dirs.push("/work/shared".into());
    let name = "growthbook-cases.json";
    let found = dirs.iter().map(|dir| dir.join("conformance").join(name)).find(|path| path.is_file());
    let text = match &found {
        Some(path) => {
            println!("cargo:rerun-if-changed={}", path.display());
            std::fs::read_to_string(path).unwrap_or_default()
        }
        None => String::new(),
    };
    std::fs::write(out.join(name), text).expect("OUT_DIR is writable");
}
