package web

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/comment"
)

// decodeStrict reads a JSON body into v; an unknown field is a 422.
func decodeStrict(c *fiber.Ctx, v any) error {
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &apperr.Error{Kind: apperr.KindInvalid, Message: apperr.Msg("error.bad_input"), Err: err}
	}
	return nil
}

// apiComments lists an item's comments in time order:
// GET /api/v1/projects/{key}/{kind}/{id}/comments.
func (s *Server) apiComments(kind comment.Kind) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, _ := currentProject(c)
		t, err := s.commentTarget(c, kind)
		if err != nil {
			return err
		}
		cs, err := comment.List(c.UserContext(), s.db, p.ID, t.Kind, t.ID)
		if err != nil {
			return err
		}
		return c.JSON(listOf(cs, ""))
	}
}

// apiCommentCreate comments on an item: {"body": "...", "mentions": [user ids]}.
func (s *Server) apiCommentCreate(kind comment.Kind) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, _ := currentProject(c)
		t, err := s.commentTarget(c, kind)
		if err != nil {
			return err
		}
		var in struct {
			Body     string  `json:"body"`
			Mentions []int64 `json:"mentions"`
		}
		if err := decodeStrict(c, &in); err != nil {
			return err
		}
		cm, err := comment.Create(c.UserContext(), s.db, callerOf(c), p.ID, t, comment.Input{Body: in.Body, Mentions: in.Mentions})
		if err != nil {
			return err
		}
		out, err := comment.Get(c.UserContext(), s.db, p.ID, cm.ID)
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusCreated).JSON(out)
	}
}

// apiCommentUpdate edits one's own comment: {"body", "mentions", "version"};
// mentions left out keep the stored ones.
func (s *Server) apiCommentUpdate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	cm, err := comment.Get(c.UserContext(), s.db, p.ID, id)
	if err != nil {
		return err
	}
	in := comment.Input{Body: cm.Body, Mentions: cm.Mentions}
	var body struct {
		Body     *string  `json:"body"`
		Mentions *[]int64 `json:"mentions"`
		Version  *int     `json:"version"`
	}
	if err := decodeStrict(c, &body); err != nil {
		return err
	}
	if body.Version != nil { // none: the domain says it is required, once it knows who asks
		in.Version = *body.Version
	}
	if body.Body != nil {
		in.Body = *body.Body
	}
	if body.Mentions != nil {
		in.Mentions = *body.Mentions
	}
	out, err := comment.Update(c.UserContext(), s.db, callerOf(c), p.ID, id, in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// apiCommentDelete deletes one's own comment: ?version= names the version read.
func (s *Server) apiCommentDelete(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	version, err := strconv.Atoi(c.Query("version"))
	if err != nil || version <= 0 {
		// The version may come in the body instead.
		var body struct {
			Version int `json:"version"`
		}
		if len(c.Body()) > 0 {
			if err := decodeStrict(c, &body); err != nil {
				return err
			}
		}
		version = body.Version
	}
	if err := comment.Delete(c.UserContext(), s.db, callerOf(c), p.ID, id, version); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
