//! Writing a chart to its file: an SVG drawn into memory and written atomically, or a PNG
//! drawn beside the target and renamed into place.

use super::Format;
use super::draw::draw_figure;
use super::layout::Figure;
use crate::error::{Error, Result};
use plotters::prelude::*;
use std::path::Path;

fn failed(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::io(
        format!("drawing {}", path.display()),
        std::io::Error::other(e.to_string()),
    )
}

/// The SVG document of `figure`.
pub(crate) fn svg(figure: &Figure, path: &Path) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, figure.size).into_drawing_area();
        draw_figure(&root, figure).map_err(|e| failed(path, e))?;
        root.present().map_err(|e| failed(path, e))?;
    }
    Ok(svg)
}

/// Draws `figure` into `path` in `format`, by way of a temporary file renamed into place.
pub(crate) fn write(figure: &Figure, path: &Path, format: Format) -> Result<()> {
    match format {
        Format::Svg => crate::output::write_file_atomically(path, svg(figure, path)?.as_bytes()),
        Format::Png => {
            // Drawn beside the target and renamed into place; the name keeps the .png
            // extension, from which the encoder takes the format.
            let stem = path
                .file_stem()
                .map_or("chart".into(), |s| s.to_string_lossy());
            let temporary = path.with_file_name(format!(".{stem}.tmp-{}.png", std::process::id()));
            let drawn = (|| {
                let root = BitMapBackend::new(&temporary, figure.size).into_drawing_area();
                draw_figure(&root, figure).map_err(|e| failed(path, e))?;
                root.present().map_err(|e| failed(path, e))
            })();
            let placed = drawn.and_then(|()| {
                std::fs::rename(&temporary, path)
                    .map_err(|e| Error::io(format!("writing {}", path.display()), e))
            });
            if placed.is_err() {
                let _ = std::fs::remove_file(&temporary);
            }
            placed
        }
    }
}
