export { type CursorMoved, type CursorMovedListener, RowCursor, type RowOrigin } from "./row-cursor.ts";
