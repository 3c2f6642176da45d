package researchtest_test

import (
	"testing"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/research/researchtest"
)

func TestMemStoreConforms(t *testing.T) {
	researchtest.StoreSuite(t, func(*testing.T) research.LoopStore { return &researchtest.MemStore{} })
}
