//! Warns loudly when nasm is missing: openh264-sys2 then silently builds without its
//! assembly and H.264 decoding/encoding runs 2-3x slower.

fn main() {
    println!("cargo:rerun-if-env-changed=PATH");
    let found = std::process::Command::new("nasm").arg("-v").output().is_ok_and(|o| o.status.success());
    if !found {
        println!(
            "cargo:warning=nasm not found: openh264 is being built WITHOUT its assembly (2-3x slower). \
             Install it (apt-get install nasm) and rebuild."
        );
    }
}
