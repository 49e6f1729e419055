package io.moesim.hw.firrtl;

/** A module port. */
public record Port(Direction direction, String name, FirType type) {

    public enum Direction {
        INPUT("input"), OUTPUT("output");

        private final String keyword;

        Direction(String keyword) {
            this.keyword = keyword;
        }

        public String keyword() {
            return keyword;
        }
    }
}
