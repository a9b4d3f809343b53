// The default theme, with a wider text column: the snippets are formatted at 100 columns.
import DefaultTheme from "vitepress/theme";
import "./custom.css";

export default DefaultTheme;
