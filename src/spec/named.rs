//! Enumerations a scenario file names: one definition gives the variants, their names as
//! written, parsing, the list a message shows, and `Display`, so that a new variant is added
//! in one place and every `match` over the enum must then handle it.

/// Defines a fieldless enum whose variants a scenario file names, with:
/// `ALL` (every variant, in definition order), `COUNT`, `name()`, `parse()`, `names()` (the
/// names joined by ", ", for messages) and `Display` (the name).
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$variant_meta])* $variant, )+
        }

        impl $name {
            /// Every variant, in definition order.
            $vis const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];
            /// The number of variants.
            $vis const COUNT: usize = $name::ALL.len();
            /// Every name, in definition order.
            $vis const NAMES: [&'static str; $name::COUNT] = [$($text),+];

            /// The name a scenario file writes.
            $vis const fn name(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }

            /// The variant a scenario file names `text`, if any.
            $vis fn parse(text: &str) -> Option<$name> {
                $name::ALL.into_iter().find(|v| v.name() == text)
            }

            /// Every name, in definition order, joined by ", " (for messages).
            $vis fn names() -> String {
                $name::ALL.map($name::name).join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

pub(crate) use named_enum;

#[cfg(test)]
mod tests {
    named_enum! {
        /// A test enumeration.
        enum Fruit {
            /// An apple.
            Apple = "apple",
            /// A pear.
            Pear = "pear",
        }
    }

    #[test]
    fn names_parse_back_to_their_variants() {
        assert_eq!(Fruit::COUNT, 2);
        for fruit in Fruit::ALL {
            assert_eq!(Fruit::parse(fruit.name()), Some(fruit));
            assert_eq!(fruit.to_string(), fruit.name());
        }
        assert_eq!(Fruit::parse("plum"), None);
        assert_eq!(Fruit::names(), "apple, pear");
        assert_eq!(Fruit::NAMES, ["apple", "pear"]);
    }
}
