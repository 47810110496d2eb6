//! Writing a chart to its file: an SVG drawn into memory and written atomically, or a PNG
//! drawn beside the target and renamed into place.

use super::Format;
use super::draw::{DrawResult, draw_figure};
use super::layout::Figure;
use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// A chart placed in pixels, which paints itself on any plotters backend.
pub(crate) trait Paint {
    /// (width, height).
    fn size(&self) -> (u32, u32);
    /// Paints the chart on `root`, which is at least [`Paint::size`].
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

impl Paint for Figure {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        draw_figure(root, self)
    }
}

fn failed(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::io(
        format!("drawing {}", path.display()),
        std::io::Error::other(e.to_string()),
    )
}

/// The SVG document of `figure`.
pub(crate) fn svg(figure: &impl Paint, path: &Path) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, figure.size()).into_drawing_area();
        figure.paint(&root).map_err(|e| failed(path, e))?;
        root.present().map_err(|e| failed(path, e))?;
    }
    Ok(svg)
}

/// Draws `figure` into `path` in `format`, by way of a temporary file renamed into place.
pub(crate) fn write(figure: &impl Paint, path: &Path, format: Format) -> Result<()> {
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
                let root = BitMapBackend::new(&temporary, figure.size()).into_drawing_area();
                figure.paint(&root).map_err(|e| failed(path, e))?;
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
